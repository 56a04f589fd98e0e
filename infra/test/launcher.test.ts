/**
 * `npm start` never swaps the store and never leaves orphans: an explicitly configured REDIS_URL
 * that does not answer is waited for (bounded) and refused, never replaced by the project Redis;
 * and every process a launcher starts dies with it, even when the launcher is killed with
 * SIGKILL (no chance to clean up). A start that finds processes of an earlier run says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@xtrader/platform';
import { REPO_ROOT } from '../src/paths';

const dirs: string[] = [];
const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  dataDir: string;
}

async function launch(env: NodeJS.ProcessEnv, dataDir = mkdtempSync(join(tmpdir(), 'xt-launcher-'))): Promise<Launch> {
  dirs.push(dataDir);
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const [api, realtime, redis] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/src/start.ts', '--api-port', String(api), '--realtime-port', String(realtime), '--redis-port', String(redis), '--symbol', 'BTC-KRW'],
    { cwd: REPO_ROOT, env: { ...inherited, XT_DATA_DIR: dataDir, XT_PREFIX: 'xt', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  spawned.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited, dataDir };
}

/** Every process whose parent chain leads to `root` (from /proc). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [pid, pp] of parent) if (pp === p) (out.push(pid), frontier.push(pid));
  }
  return out;
}

const alive = (pid: number) => {
  try {
    // A zombie still answers kill(0): count only processes that can still run.
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

test('an explicit REDIS_URL that does not answer is waited for and refused, never replaced by the project Redis', async () => {
  const nobody = `redis://127.0.0.1:${await freePort()}`;
  const run = await launch({ REDIS_URL: nobody, XT_REDIS_WAIT_S: '2' });
  await waitFor('the launcher to refuse or to start', () => run.output().includes('xTrader is running') || run.child.exitCode !== null, { timeoutMs: 90_000 });
  expect(await run.exited).not.toBe(0);
  expect(run.output()).toContain(`REDIS_URL=${nobody} does not answer`);
  expect(run.output()).not.toContain('xTrader is running');
  expect(run.output()).not.toMatch(/starting the project Redis/);
}, 120_000);

test('every process a launcher started exits when the launcher is killed with SIGKILL', async () => {
  const run = await launch({});
  await waitFor('the launcher to say it is running', () => run.output().includes('xTrader is running'), {
    timeoutMs: 120_000,
    abortIf: () => (run.child.exitCode !== null ? `launcher exited ${run.child.exitCode}:\n${run.output()}` : undefined),
  });
  const children = descendants(run.child.pid!);
  // Redis, the engine, the api node and the realtime node at least.
  expect(children.length).toBeGreaterThanOrEqual(4);
  run.child.kill('SIGKILL');
  await run.exited;
  await waitFor('every child of the killed launcher to exit', () => children.every((pid) => !alive(pid)), { timeoutMs: 30_000 }).catch((e: Error) => {
    throw new Error(`${e.message}; still running: ${children.filter(alive).join(', ')}`);
  });

  // The next start in the same folder finds nothing left over and starts cleanly.
  const again = await launch({}, run.dataDir);
  await waitFor('the second start', () => again.output().includes('xTrader is running') || again.child.exitCode !== null, { timeoutMs: 120_000 });
  expect(again.output()).toContain('xTrader is running');
  expect(again.output()).not.toMatch(/still running from an earlier run/);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
}, 300_000);

test('a start that finds processes of an earlier run still running says so', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xt-launcher-'));
  // A process the record says an earlier launcher started (as after a crash without the link).
  const stale = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'api/src/main.ts'], { cwd: REPO_ROOT, stdio: 'ignore' });
  spawned.push(stale);
  writeFileSync(join(dataDir, 'launcher.json'), JSON.stringify({ launcher: 1, processes: [{ name: 'api-1', pid: stale.pid, command: `${process.execPath} -e setInterval(() => {}, 1000) api/src/main.ts` }] }));
  const run = await launch({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, XT_REDIS_WAIT_S: '1' }, dataDir);
  await run.exited;
  expect(run.output()).toContain(`api-1 (pid ${stale.pid}) is still running from an earlier run`);
  stale.kill('SIGKILL');
}, 120_000);
