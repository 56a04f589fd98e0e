import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMarkets } from '@xtrader/protocol/node';
import { parse } from 'yaml';
import { parseEnvFile, SHARED_ENV_FILE } from '../src/env-file';
import { ensureNginx, MAIN_TEMPLATE, nginxLimitVars, renderTemplate, SITE_TEMPLATE, testNginxConfig, writeNginxConfig } from '../src/nginx';
import { compiledEntry, ENTRY, REPO_ROOT } from '../src/paths';
import { ENGINE_NODE_FLAGS } from '../src/stack';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  image?: string;
  build?: { dockerfile: string };
}
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const byEntry = (entry: string) => services.filter(([, s]) => s.command?.includes(compiledEntry(entry)));
/** The source a compiled entry file is built from (`dist/api/src/main.js` -> `api/src/main.ts`). */
const sourceOf = (compiled: string) => compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');
const templateVars = (file: string) => new Set([...readFileSync(file, 'utf8').matchAll(/\$\{(XT_[A-Z0-9_]+)\}/g)].map((m) => m[1]));

describe('the nginx config generated for `npm run cluster`', () => {
  it('is accepted by nginx -t', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xt-nginx-'));
    try {
      const conf = writeNginxConfig({ dir, port: 18080, apiUrls: ['http://127.0.0.1:7100', 'http://127.0.0.1:7101'], realtimeUrls: ['http://127.0.0.1:7200'] });
      expect(() => testNginxConfig(ensureNginx(), conf, dir)).not.toThrow();
      const site = readFileSync(join(dir, 'xtrader.conf'), 'utf8');
      expect(site).toContain('server 127.0.0.1:7101');
      expect(site).not.toMatch(/\$\{XT_[A-Z]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to render with a variable missing instead of leaving an empty upstream', () => {
    expect(() => renderTemplate(readFileSync(SITE_TEMPLATE, 'utf8'), { XT_NGINX_PORT: '1' })).toThrow(/XT_API_SERVERS/);
  });
});

describe('docker-compose.yml', () => {
  it('runs an active engine and a standby for every configured symbol, each with its own ENGINE_ID', () => {
    const engines = byEntry(ENTRY.engine);
    for (const { symbol } of loadMarkets()) {
      const forSymbol = engines.filter(([, s]) => s.command![s.command!.indexOf('--symbol') + 1] === symbol);
      expect(forSymbol.map(([name]) => name)).toHaveLength(2);
    }
    const ids = engines.map(([, s]) => s.environment?.ENGINE_ID);
    expect(new Set(ids).size).toBe(engines.length);
  });

  it('runs the ledger process (its shard writers keep balances and publish the private channels)', () => {
    expect(byEntry(ENTRY.ledger).map(([name]) => name)).toEqual(['ledger-a']);
  });

  it('runs two api and two realtime nodes, and nginx routes to exactly those', () => {
    const apis = byEntry(ENTRY.api).map(([name, s]) => `${name}:${s.environment!.PORT}`);
    const realtimes = byEntry(ENTRY.realtime).map(([name, s]) => `${name}:${s.environment!.PORT}`);
    expect(apis).toHaveLength(2);
    expect(realtimes).toHaveLength(2);
    const env = compose.services.nginx.environment!;
    expect([...env.XT_API_SERVERS.matchAll(/server (\S+)/g)].map((m) => m[1])).toEqual(apis);
    expect([...env.XT_REALTIME_SERVERS.matchAll(/server (\S+)/g)].map((m) => m[1])).toEqual(realtimes);
  });

  it('gives nginx every variable of the shared template, and only XT_ names are substituted', () => {
    const env = compose.services.nginx.environment!;
    for (const name of templateVars(SITE_TEMPLATE)) expect(env).toHaveProperty(name);
    expect(env.NGINX_ENVSUBST_FILTER).toBe('^XT_');
    // The main wrapper's variables are the no-Docker launcher's own.
    expect([...templateVars(MAIN_TEMPLATE)].every((v) => !(v in env))).toBe(true);
  });

  it("gives nginx the same abuse bounds as `npm run cluster`'s defaults", () => {
    const env = compose.services.nginx.environment!;
    for (const [name, value] of Object.entries(nginxLimitVars())) expect({ name, value: env[name] }).toEqual({ name, value });
  });

  it('shares infra/xtrader.env with the launchers and runs entry files that exist', () => {
    const shared = parseEnvFile(readFileSync(SHARED_ENV_FILE, 'utf8'));
    expect(shared.XT_PREFIX).toBe('xt');
    const nodes = services.filter(([, s]) => s.command?.[0] === 'node');
    expect(nodes.length).toBeGreaterThanOrEqual(10);
    for (const [name, s] of nodes) {
      expect({ name, env_file: s.env_file }).toEqual({ name, env_file: 'infra/xtrader.env' });
      const cmd = s.command!;
      // The image has no TypeScript loader: compiled entry files, each built from a source that exists.
      expect({ name, loader: cmd.includes('tsx') || cmd.includes('--import') }).toEqual({ name, loader: false });
      const entry = cmd.find((a) => a.startsWith('dist/'))!;
      expect({ name, entry }).toEqual({ name, entry: compiledEntry(sourceOf(entry)) });
      expect(existsSync(join(REPO_ROOT, sourceOf(entry)))).toBe(true);
      expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
      // Engines run with the launcher's V8 flags.
      if (entry === compiledEntry(ENTRY.engine)) expect(cmd.slice(1, cmd.indexOf(entry))).toEqual(ENGINE_NODE_FLAGS);
    }
    expect(existsSync(join(REPO_ROOT, nodes[0][1].build!.dockerfile))).toBe(true);
  });

  it('has a cluster profile: six cluster nodes joined as 3 primaries + 3 replicas, and every process told of them', () => {
    const profiled = services.filter(([, s]) => (s as { profiles?: string[] }).profiles?.includes('cluster'));
    const clusterNodes = profiled.filter(([, s]) => s.command?.[0] === 'redis-server');
    expect(clusterNodes).toHaveLength(6);
    for (const [, s] of clusterNodes) expect(s.command!.join(' ')).toContain('--cluster-enabled yes');
    const init = compose.services['redis-cluster-init'];
    expect(init.command!.join(' ')).toMatch(/--cluster create .* --cluster-replicas 1 --cluster-yes/);
    for (const [name, s] of services.filter(([, s]) => s.command?.[0] === 'node')) {
      expect({ name, nodes: s.environment?.REDIS_CLUSTER_NODES }).toEqual({ name, nodes: '${XT_REDIS_CLUSTER_NODES:-}' });
    }
  });
});

describe('infra/Dockerfile (docker cannot run here: what the image is made of, read from the file)', () => {
  const lines = readFileSync(join(REPO_ROOT, 'infra/Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  // Instructions with their continuation lines joined.
  const instructions = lines.join('\n').replace(/\\\n\s*/g, ' ').split('\n');
  const stages: { name: string; lines: string[] }[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  const [build, final] = [stages[0], stages.at(-1)!];
  const workspaces = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

  it('is a multi-stage build: the first stage installs every dependency and compiles the servers and the page', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.lines).toContain('RUN npm ci --no-audit --no-fund');
    expect(build.lines.some((l) => /^RUN .*npm run build(\s|$)/.test(l) && l.includes('npm run build:web'))).toBe(true);
  });

  it('runs only production dependencies and the compiled tree in the final stage, as a non-root user', () => {
    expect(final.lines.filter((l) => l.startsWith('RUN npm ci'))).toEqual([expect.stringMatching(/^RUN npm ci --omit=dev /)]);
    expect(final.lines).toContain(`COPY --from=${build.name} /app/dist dist`);
    expect(final.lines).toContain(`COPY --from=${build.name} /app/web/dist web/dist`);
    expect(final.lines).toContain('COPY config config');
    // Nothing else of the build stage (its node_modules hold the dev dependencies, tsx among them).
    expect(final.lines.filter((l) => l.startsWith('COPY --from'))).toHaveLength(2);
    const users = final.lines.filter((l) => l.startsWith('USER '));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)(:|$)/);
    // USER comes before CMD, after the last step that needs root.
    expect(final.lines.indexOf(users[0])).toBeGreaterThan(Math.max(...final.lines.map((l, i) => (/^(RUN|COPY) /.test(l) ? i : -1))));
  });

  it('copies every workspace manifest into both stages (npm ci refuses a lockfile whose workspaces are missing)', () => {
    for (const stage of [build, final]) {
      for (const ws of workspaces) expect({ stage: stage.name, ws, copied: stage.lines.includes(`COPY ${ws}/package.json ${ws}/`) }).toEqual({ stage: stage.name, ws, copied: true });
    }
  });

  it('starts a compiled process with plain node by default', () => {
    const cmd = final.lines.filter((l) => l.startsWith('CMD '));
    expect(cmd).toHaveLength(1);
    const args = JSON.parse(cmd[0].slice(4)) as string[];
    expect(args).toEqual(['node', compiledEntry(ENTRY.api)]);
    expect(existsSync(join(REPO_ROOT, sourceOf(args[1])))).toBe(true);
  });
});

describe('the production dependencies', () => {
  const serverWorkspaces = ['protocol', 'platform', 'engine', 'ledger', 'api', 'realtime'];
  const sourceFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

  it("cover every package a server process's sources import (the image installs no others)", () => {
    const undeclared: string[] = [];
    for (const ws of serverWorkspaces) {
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, ws, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const declared = new Set(Object.keys(manifest.dependencies ?? {}));
      const files = [...sourceFiles(join(REPO_ROOT, ws, 'src')), ...(ws === 'protocol' ? [join(REPO_ROOT, 'protocol/node.ts')] : [])];
      for (const file of files) {
        // Value imports only: `import type` leaves nothing in the compiled file.
        const imported = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^'.][^']*)'/gm)].map((m) => m[1]);
        for (const dep of imported.filter((s) => !s.startsWith('node:')).map(packageOf)) {
          if (!declared.has(dep)) undeclared.push(`${file.slice(REPO_ROOT.length + 1)} imports ${dep}, not in ${ws}/package.json dependencies`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe('the k6 scripts', () => {
  it('type-check against @types/k6 (the CI check for scripts k6 itself cannot run here)', () => {
    const res = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'infra/k6/tsconfig.json')], { encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
