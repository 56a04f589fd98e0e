#!/usr/bin/env node
// Makes a fresh clone runnable before any TypeScript tooling exists: installs npm dependencies
// when node_modules is missing and, for the test suite, the system packages the tests drive
// (redis-server, chromium, nginx) when they are missing and we are root. Plain JS on purpose:
// it runs before `npm ci` has brought tsx.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const forTests = process.argv.includes('--test');

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (!existsSync(join(root, 'node_modules', '.bin', 'tsx'))) {
  console.log('bootstrap: installing npm dependencies (npm ci)');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
} else {
  // An existing node_modules may predate a dependency added to the lockfile since: install the
  // ones it lacks (top-level packages of the lockfile, platform-specific optional ones aside).
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const lacking = Object.entries(lock.packages ?? {}).filter(
    ([path, info]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !info.optional && !info.link && !existsSync(join(root, path)),
  );
  if (lacking.length > 0) {
    console.log(`bootstrap: installing npm dependencies the lockfile lists and node_modules lacks (${lacking.slice(0, 3).map(([p]) => p.slice(13)).join(', ')}${lacking.length > 3 ? ', ...' : ''})`);
    execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  }
}

if (forTests) {
  const missing = [];
  if (!has('redis-server')) missing.push('redis-server');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!has('nginx') && !existsSync('/usr/sbin/nginx')) missing.push('nginx-light');
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot) {
      console.error(`bootstrap: the tests need ${missing.join(', ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
      process.exit(1);
    }
    console.log(`bootstrap: installing ${missing.join(', ')} (apt-get)`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`, {
      stdio: 'inherit',
    });
  }
}
