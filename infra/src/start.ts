/**
 * `npm start` (and `npm run demo` = `--demo`): the whole exchange on one machine.
 *
 * Redis at REDIS_URL when it is set (waited for, never replaced), else a project Redis (AOF on,
 * data in .data/redis);
 * one engine per configured symbol; an api node on 7000; a realtime node serving the trading
 * page on 7001. Builds the page first if needed. Ctrl-C (or SIGTERM) stops everything cleanly.
 * Every flag and variable is described in docs/operations.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseRedis, demoEnv, recordProcesses, reportStale, say, startDemoBot, stopOnSignals } from './launcher';
import { DATA_DIR, runCompiled } from './paths';
import { assertPortFree, ensureWebBuild } from './prerequisites';
import { startStack } from './stack';

const { values } = parseArgs({
  options: {
    demo: { type: 'boolean', default: false },
    'api-port': { type: 'string', default: process.env.XT_API_PORT ?? '7000' },
    'realtime-port': { type: 'string', default: process.env.XT_REALTIME_PORT ?? '7001' },
    'redis-port': { type: 'string', default: process.env.XT_REDIS_PORT ?? '6390' },
    symbol: { type: 'string', multiple: true },
    verbose: { type: 'boolean', default: false },
    // Run the processes from `npm run build`'s dist/ (node, no TypeScript loader); XT_COMPILED=1 likewise.
    compiled: { type: 'boolean', default: runCompiled() },
  },
});
const apiPort = Number(values['api-port']);
const realtimePort = Number(values['realtime-port']);
const redisPort = Number(values['redis-port']);

/** The processes this launcher started, for the next start to check (`reportStale`). */
const RECORD = join(DATA_DIR, 'launcher.json');

async function main(): Promise<void> {
  reportStale(RECORD);
  ensureWebBuild(say);
  await assertPortFree(apiPort, 'api');
  await assertPortFree(realtimePort, 'realtime');
  const redis = await chooseRedis(redisPort);

  say('starting xTrader...');
  const logDir = join(DATA_DIR, 'logs');
  const demo = values.demo ? demoEnv() : {};
  const stack = await startStack({
    redisUrl: redis.url,
    redisPort,
    redisDir: join(DATA_DIR, 'redis'),
    appendOnly: true,
    symbols: values.symbol,
    apiPorts: [apiPort],
    realtimePorts: [realtimePort],
    logDir,
    echo: values.verbose,
    restartOnCrash: true,
    env: demo,
    compiled: values.compiled,
  });
  const bot = values.demo ? await startDemoBot(stack.apiUrls[0], logDir, values.symbol, values.verbose!, demo, stack.compiled) : undefined;
  recordProcesses(RECORD, [...stack.processes, ...(bot ? [bot] : [])]);

  say(
    [
      '',
      'xTrader is running',
      `  trading page  http://localhost:${realtimePort}`,
      `  REST API      http://localhost:${apiPort}/api/v1   (try: curl http://localhost:${apiPort}/api/v1/orderbook/${stack.symbols[0]})`,
      `  WebSocket     ws://localhost:${realtimePort}/ws   (socket.io: /socket.io, websocket transport)`,
      `  Redis         ${redis.note}`,
      `  engines       ${stack.symbols.join(', ')}`,
      ...(bot ? ['  demo bot      quoting and trading every symbol'] : []),
      `  processes     ${stack.compiled ? 'compiled (node dist/..., from npm run build)' : 'TypeScript sources under tsx'}`,
      `  logs          ${logDir}/*.log`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  stopOnSignals(stack, bot);
}

main().catch((e: Error) => {
  console.error(`xTrader did not start: ${e.message}`);
  process.exit(1);
});
