#!/usr/bin/env node
// `npm run build`: compiles the server workspaces to JavaScript in dist/, one tree mirroring the
// repository (dist/api/src/main.js is api/src/main.ts), so that `node dist/<ws>/src/main.js`
// runs a process without a TypeScript loader. Plain JS: it is the build, not something built.
//
// Besides tsc's output, the tree gets what the compiled code finds relative to its own file:
// - the Lua scripts next to the modules that read them (readFileSync(join(__dirname, ...)));
// - config/ and web/dist, which the compiled code finds two directories above its src/ as the
//   sources do: links to the repository's own (dist/config -> ../config), so an edited symbols file
//   or a rebuilt page is what the compiled processes read, as under the loader;
// - dist/node_modules/@xtrader/<ws>, links to dist/<ws> with a package.json naming the compiled
//   entry: Node looks up `@xtrader/...` from dist/ before the repository's node_modules, whose
//   links lead to the TypeScript sources.
'use strict';
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const WORKSPACES = ['protocol', 'platform', 'engine', 'ledger', 'api', 'realtime', 'infra'];

/** Files tsc does not emit that the compiled modules read at run time, by extension. */
const ASSETS = ['.lua'];

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) copyAssets(file);
    else if (ASSETS.some((ext) => name.endsWith(ext))) {
      const to = join(dist, relative(root, file));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(file, to);
    }
  }
}

for (const ws of WORKSPACES) {
  copyAssets(join(root, ws, 'src'));
  const manifest = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8'));
  // No name: this is the compiled entry of the workspace, not a second package of that name.
  const main = manifest.main.replace(/\.ts$/, '.js');
  writeFileSync(join(dist, ws, 'package.json'), `${JSON.stringify({ private: true, main }, null, 2)}\n`);
  const link = join(dist, 'node_modules', '@xtrader', ws);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), join(dist, ws)), link, 'dir');
}
symlinkSync(join('..', 'config'), join(dist, 'config'), 'dir');
mkdirSync(join(dist, 'web'));
symlinkSync(join('..', '..', 'web', 'dist'), join(dist, 'web', 'dist'), 'dir');
console.log(`build: ${WORKSPACES.join(', ')} compiled to ${relative(process.cwd(), dist) || '.'}/ (run a process with node dist/<workspace>/src/main.js)`);
