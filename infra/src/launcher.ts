import { join, relative } from 'node:path';
import { ManagedProcess } from './managed-process';
import { DATA_DIR, ENTRY, REPO_ROOT } from './paths';
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

/**
 * REDIS_URL when it answers; else the project Redis on `projectPort` if one is still running
 * from an earlier run; else undefined url (spawn it). Exits with install instructions when
 * there is no Redis and no `redis-server` to start one.
 */
export async function chooseRedis(projectPort: number): Promise<RedisChoice> {
  const configured = process.env.REDIS_URL;
  const projectUrl = `redis://127.0.0.1:${projectPort}`;
  if (configured && (await redisReachable(configured))) return { url: configured, note: `${configured} (REDIS_URL)` };
  if (configured) say(`REDIS_URL=${configured} does not answer: starting the project Redis instead`);
  // An earlier run's Redis (the launcher was killed with SIGKILL) still holds the data: reuse it.
  if (await redisReachable(projectUrl)) return { url: projectUrl, note: `${projectUrl} (already running)` };
  if (!hasRedisServer()) {
    console.error(REDIS_HELP);
    process.exit(1);
  }
  return { note: `${projectUrl} (project Redis, AOF on, data in ${relative(process.cwd(), join(DATA_DIR, 'redis')) || '.'})` };
}

/** Starts the demo market maker against `apiUrl` (a node or the balancer). */
export async function startDemoBot(apiUrl: string, logDir: string, symbols: string[] | undefined, echo: boolean): Promise<ManagedProcess> {
  const bot = new ManagedProcess({
    name: 'demo-bot',
    command: process.execPath,
    args: ['--import', 'tsx', ENTRY.demoBot, '--api', apiUrl, ...(symbols ?? []).flatMap((s) => ['--symbol', s])],
    env: process.env,
    cwd: REPO_ROOT,
    logFile: join(logDir, 'demo-bot.log'),
    echo,
    ready: async () => {},
  });
  await bot.start();
  return bot;
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
