/**
 * `npm start` (and `npm run demo` = `--demo`): the whole exchange on one machine.
 *
 * Redis at REDIS_URL when it is reachable, else a project Redis (AOF on, data in .data/redis);
 * one engine per configured symbol; an api node on 7000; a realtime node serving the trading
 * page on 7001. Builds the page first if needed. Ctrl-C (or SIGTERM) stops everything cleanly.
 * Every flag and variable is described in docs/operations.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManagedProcess } from './managed-process';
import { DATA_DIR, ENTRY, REPO_ROOT } from './paths';
import { assertPortFree, ensureWebBuild, hasRedisServer, REDIS_HELP, redisReachable } from './prerequisites';
import { startStack, type Stack } from './stack';

const say = (msg: string) => process.stdout.write(`${msg}\n`);

const { values } = parseArgs({
  options: {
    demo: { type: 'boolean', default: false },
    'api-port': { type: 'string', default: process.env.XT_API_PORT ?? '7000' },
    'realtime-port': { type: 'string', default: process.env.XT_REALTIME_PORT ?? '7001' },
    'redis-port': { type: 'string', default: process.env.XT_REDIS_PORT ?? '6390' },
    symbol: { type: 'string', multiple: true },
    verbose: { type: 'boolean', default: false },
  },
});
const apiPort = Number(values['api-port']);
const realtimePort = Number(values['realtime-port']);
const redisPort = Number(values['redis-port']);

async function main(): Promise<void> {
  ensureWebBuild(say);
  await assertPortFree(apiPort, 'api');
  await assertPortFree(realtimePort, 'realtime');

  // Redis: the configured one if it answers; else the project's own, with its data kept here.
  let redisUrl: string | undefined;
  let redisNote: string;
  const configured = process.env.REDIS_URL;
  const projectUrl = `redis://127.0.0.1:${redisPort}`;
  if (configured && (await redisReachable(configured))) {
    redisUrl = configured;
    redisNote = `${configured} (REDIS_URL)`;
  } else {
    if (configured) say(`REDIS_URL=${configured} does not answer: starting the project Redis instead`);
    if (await redisReachable(projectUrl)) {
      // An earlier run's Redis (e.g. after the launcher was killed with SIGKILL) still holds the data.
      redisUrl = projectUrl;
      redisNote = `${projectUrl} (already running)`;
    } else if (!hasRedisServer()) {
      console.error(REDIS_HELP);
      process.exit(1);
    } else {
      redisNote = `${projectUrl} (project Redis, AOF on, data in .data/redis)`;
    }
  }

  say('starting xTrader...');
  const logDir = join(DATA_DIR, 'logs');
  const stack = await startStack({
    redisUrl,
    redisPort,
    redisDir: join(DATA_DIR, 'redis'),
    appendOnly: true,
    symbols: values.symbol,
    apiPorts: [apiPort],
    realtimePorts: [realtimePort],
    env: { XT_PUBLIC_API_URL: process.env.XT_PUBLIC_API_URL ?? `http://localhost:${apiPort}` },
    logDir,
    echo: values.verbose,
    restartOnCrash: true,
  });

  let bot: ManagedProcess | undefined;
  if (values.demo) {
    bot = new ManagedProcess({
      name: 'demo-bot',
      command: process.execPath,
      args: ['--import', 'tsx', ENTRY.demoBot, '--api', stack.apiUrls[0], ...(values.symbol ?? []).flatMap((s) => ['--symbol', s])],
      env: process.env,
      cwd: REPO_ROOT,
      logFile: join(logDir, 'demo-bot.log'),
      echo: values.verbose,
      ready: async () => {},
    });
    await bot.start();
  }

  say(
    [
      '',
      'xTrader is running',
      `  trading page  http://localhost:${realtimePort}`,
      `  REST API      http://localhost:${apiPort}/api/v1   (try: curl http://localhost:${apiPort}/api/v1/orderbook/${stack.symbols[0]})`,
      `  WebSocket     ws://localhost:${realtimePort}/ws   (socket.io: /socket.io, websocket transport)`,
      `  Redis         ${redisNote!}`,
      `  engines       ${stack.symbols.join(', ')}`,
      ...(bot ? ['  demo bot      quoting and trading every symbol'] : []),
      `  logs          ${logDir}/*.log`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  handleSignals(stack, bot);
}

function handleSignals(stack: Stack, bot?: ManagedProcess): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C: do not wait any longer.
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

main().catch((e: Error) => {
  console.error(`xTrader did not start: ${e.message}`);
  process.exit(1);
});
