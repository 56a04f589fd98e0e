import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ManagedProcess } from './managed-process';
import { DATA_DIR, ENTRY, nodeArgs, REPO_ROOT } from './paths';
import { hasRedisServer, REDIS_HELP, redisReachable } from './prerequisites';
import type { Stack } from './stack';

/** Writes one line to stdout (the launchers' voice; the processes log to files). */
export const say = (msg: string) => process.stdout.write(`${msg}\n`);

/** Which Redis a launcher uses: an external one (`url`), or the project Redis it spawns. */
export interface RedisChoice {
  /** Set when an already running Redis is used; undefined: spawn the project Redis. */
  url?: string;
  /** One line for the banner. */
  note: string;
}

/** How long a launcher waits for an explicitly configured REDIS_URL (XT_REDIS_WAIT_S). */
const DEFAULT_REDIS_WAIT_S = 30;

/**
 * REDIS_URL when it is set: waited for (up to XT_REDIS_WAIT_S, 30 s by default) and refused if it
 * never answers, never replaced by another store (orders would go where nobody looks). Without
 * REDIS_URL: the project Redis on `projectPort` if one is still running from an earlier run,
 * else undefined url (spawn it). Exits with install instructions when there is no Redis and no
 * `redis-server` to start one.
 */
export async function chooseRedis(projectPort: number): Promise<RedisChoice> {
  const configured = process.env.REDIS_URL;
  const projectUrl = `redis://127.0.0.1:${projectPort}`;
  if (configured) {
    if (await redisReachable(configured)) return { url: configured, note: `${configured} (REDIS_URL)` };
    const waitS = Number(process.env.XT_REDIS_WAIT_S ?? DEFAULT_REDIS_WAIT_S);
    if (!Number.isFinite(waitS) || waitS < 0) throw new Error(`XT_REDIS_WAIT_S=${process.env.XT_REDIS_WAIT_S} is not a number of seconds`);
    say(`REDIS_URL=${configured} does not answer; waiting up to ${waitS} s for it (XT_REDIS_WAIT_S)...`);
    const deadline = Date.now() + waitS * 1000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      if (await redisReachable(configured)) return { url: configured, note: `${configured} (REDIS_URL)` };
    }
    throw new Error(`REDIS_URL=${configured} does not answer (waited ${waitS} s): start that Redis, correct REDIS_URL, or unset it to use the project Redis`);
  }
  // An earlier run's Redis still holds the data: reuse it.
  if (await redisReachable(projectUrl)) {
    say(`the project Redis on ${projectUrl} is still running from an earlier run: using it`);
    return { url: projectUrl, note: `${projectUrl} (already running)` };
  }
  if (!hasRedisServer()) {
    console.error(REDIS_HELP);
    process.exit(1);
  }
  return { note: `${projectUrl} (project Redis, AOF on, data in ${relative(process.cwd(), join(DATA_DIR, 'redis')) || '.'})` };
}

/** What a launcher records about the processes it started (for the next start to check). */
interface ProcessRecord {
  launcher: number;
  processes: { name: string; pid: number; command: string }[];
}

/** The command line of a running process, or undefined (gone, or not Linux). */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Says which processes recorded in `file` by an earlier launcher are still running (same pid,
 * same command line): normally none, since children die with their launcher, but a process of
 * an older version or one started by hand may hold a port or a lease.
 */
export function reportStale(file: string): void {
  let record: ProcessRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord;
  } catch {
    return;
  }
  for (const p of record.processes ?? []) {
    if (p.pid !== process.pid && commandLine(p.pid) === p.command) {
      say(`${p.name} (pid ${p.pid}) is still running from an earlier run (${p.command}); stop it with: kill ${p.pid}`);
    }
  }
}

/** Records the running processes in `file` (see {@link reportStale}). */
export function recordProcesses(file: string, processes: { name: string; pid: number | undefined }[]): void {
  const record: ProcessRecord = { launcher: process.pid, processes: [] };
  for (const p of processes) {
    const command = p.pid === undefined ? undefined : commandLine(p.pid);
    if (p.pid !== undefined && command !== undefined) record.processes.push({ name: p.name, pid: p.pid, command });
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2));
}

/** Starts the demo market maker against `apiUrl` (a node or the balancer), compiled or under tsx as the stack's processes. */
export async function startDemoBot(apiUrl: string, logDir: string, symbols: string[] | undefined, echo: boolean, env: NodeJS.ProcessEnv = {}, compiled = false): Promise<ManagedProcess> {
  const bot = new ManagedProcess({
    name: 'demo-bot',
    command: process.execPath,
    args: nodeArgs(ENTRY.demoBot, compiled, ['--api', apiUrl, ...(symbols ?? []).flatMap((s) => ['--symbol', s])]),
    env: { ...process.env, ...env },
    cwd: REPO_ROOT,
    logFile: join(logDir, 'demo-bot.log'),
    echo,
    ready: async () => {},
  });
  await bot.start();
  return bot;
}

/**
 * What `--demo` adds to every process's environment: the faucet on (unless XT_FAUCET says
 * otherwise) and an admin token (XT_ADMIN_TOKEN, else a fresh random one), with which the demo
 * bot funds its market makers through the admin routes.
 */
export function demoEnv(env: NodeJS.ProcessEnv = process.env): { XT_FAUCET: string; XT_ADMIN_TOKEN: string } {
  return { XT_FAUCET: env.XT_FAUCET || 'on', XT_ADMIN_TOKEN: env.XT_ADMIN_TOKEN || randomBytes(18).toString('base64url') };
}

/**
 * Ctrl-C / SIGTERM: stop the bot, then the stack in order, and exit 0. A second Ctrl-C kills
 * everything at once.
 */
export function stopOnSignals(stack: Stack, bot?: ManagedProcess): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      say('stopping now (SIGKILL)');
      for (const p of [bot, ...stack.processes]) if (p?.pid) process.kill(p.pid, 'SIGKILL');
      process.exit(1);
    }
    stopping = true;
    say(`\n${signal}: stopping xTrader (Ctrl-C again to force)...`);
    (async () => {
      await bot?.stop();
      bot?.close();
      await stack.stop();
      say('stopped.');
      process.exit(0);
    })().catch((e: Error) => {
      console.error(`clean stop failed: ${e.message}`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
