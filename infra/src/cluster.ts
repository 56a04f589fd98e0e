/**
 * `npm run cluster`: the multi-instance topology on one machine, without Docker.
 *
 * nginx on one port (8080) in front of N api nodes (round robin on /api) and M realtime nodes
 * (/socket.io, /ws and the trading page on /); an active engine and a standby per symbol; Redis
 * with AOF (REDIS_URL when reachable, else the project Redis). A process that dies is restarted;
 * while it is down its peers serve. Every flag and variable is described in docs/operations.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseRedis, demoEnv, recordProcesses, reportStale, say, startDemoBot, stopOnSignals } from './launcher';
import { nginxLimitsFromEnv } from './nginx';
import { DATA_DIR, runCompiled } from './paths';
import { assertPortFree, ensureWebBuild } from './prerequisites';
import { startStack } from './stack';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.XT_NGINX_PORT ?? '8080' },
    apis: { type: 'string', default: process.env.XT_API_NODES ?? '2' },
    realtimes: { type: 'string', default: process.env.XT_REALTIME_NODES ?? '2' },
    'engines-per-symbol': { type: 'string', default: process.env.XT_ENGINES_PER_SYMBOL ?? '2' },
    'api-base-port': { type: 'string', default: process.env.XT_API_BASE_PORT ?? '7100' },
    'realtime-base-port': { type: 'string', default: process.env.XT_REALTIME_BASE_PORT ?? '7200' },
    'redis-port': { type: 'string', default: process.env.XT_REDIS_PORT ?? '6390' },
    symbol: { type: 'string', multiple: true },
    demo: { type: 'boolean', default: false },
    'redis-cluster': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    // Run the processes from `npm run build`'s dist/ (node, no TypeScript loader); XT_COMPILED=1 likewise.
    compiled: { type: 'boolean', default: runCompiled() },
  },
});
const int = (name: string, v: string | undefined, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got ${v}`);
    process.exit(2);
  }
  return n;
};
const port = int('port', values.port, 1);
const apis = int('apis', values.apis, 1);
const realtimes = int('realtimes', values.realtimes, 1);
const engines = int('engines-per-symbol', values['engines-per-symbol'], 1);
const apiPorts = Array.from({ length: apis }, (_, i) => int('api-base-port', values['api-base-port'], 1) + i);
const realtimePorts = Array.from({ length: realtimes }, (_, i) => int('realtime-base-port', values['realtime-base-port'], 1) + i);
const redisPort = int('redis-port', values['redis-port'], 1);

/** The processes this launcher started, for the next start to check (`reportStale`). */
const RECORD = join(DATA_DIR, 'cluster-launcher.json');

async function main(): Promise<void> {
  reportStale(RECORD);
  ensureWebBuild(say);
  for (const p of apiPorts) await assertPortFree(p, 'api');
  for (const p of realtimePorts) await assertPortFree(p, 'realtime');
  await assertPortFree(port, 'nginx');
  // --redis-cluster: a real Redis Cluster of its own (3 primaries + 3 replicas on free ports),
  // living as long as this launcher; otherwise one Redis as `npm start` chooses it.
  const redis = values['redis-cluster'] ? undefined : await chooseRedis(redisPort);

  say(`starting the xTrader cluster: ${apis} api, ${realtimes} realtime, ${engines} engine(s) per symbol, nginx...`);
  const logDir = join(DATA_DIR, 'cluster-logs');
  const demo = values.demo ? demoEnv() : {};
  const stack = await startStack({
    redisUrl: redis?.url,
    redisCluster: values['redis-cluster'],
    redisPort,
    redisDir: join(DATA_DIR, 'redis'),
    appendOnly: true,
    symbols: values.symbol,
    apis,
    realtimes,
    enginesPerSymbol: engines,
    apiPorts,
    realtimePorts,
    nginx: true,
    nginxPort: port,
    nginxLimits: nginxLimitsFromEnv(process.env),
    logDir,
    echo: values.verbose,
    restartOnCrash: true,
    env: demo,
    compiled: values.compiled,
  });
  const bot = values.demo ? await startDemoBot(stack.nginxUrl!, logDir, values.symbol, values.verbose!, demo, stack.compiled) : undefined;
  recordProcesses(RECORD, [...stack.processes, ...(bot ? [bot] : [])]);

  const engineLines = await Promise.all(
    stack.symbols.map(async (s) => {
      const active = await stack.activeEngine(s);
      const all = stack.processes.filter((p) => p.symbol === s);
      return `    ${s.padEnd(10)} ${all.map((p) => `${p.name} (pid ${p.pid}${p === active ? ', active' : ', standby'})`).join(', ')}`;
    }),
  );
  const nodes = stack.processes.filter((p) => p.role === 'api' || p.role === 'realtime');
  say(
    [
      '',
      'xTrader cluster is running',
      `  trading page  http://localhost:${port}`,
      `  REST API      http://localhost:${port}/api/v1`,
      `  WebSocket     ws://localhost:${port}/ws   (socket.io: /socket.io)`,
      `  nodes`,
      ...nodes.map((p) => `    ${p.name.padEnd(11)} ${p.url} (pid ${p.pid})`),
      '  engines',
      ...engineLines,
      `  Redis         ${redis ? redis.note : `Redis Cluster ${stack.redisCluster!.nodesSetting} (3 primaries + 3 replicas; its data lives while this launcher runs)`}`,
      ...(bot ? ['  demo bot      quoting and trading every symbol through nginx'] : []),
      `  processes     ${stack.compiled ? 'compiled (node dist/..., from npm run build)' : 'TypeScript sources under tsx'}`,
      `  logs          ${logDir}/*.log (nginx: ${logDir}/nginx/error.log)`,
      '',
      'Kill any one process (kill <pid>) to see its peers take over; it is restarted after a second.',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  stopOnSignals(stack, bot);
}

main().catch((e: Error) => {
  console.error(`the xTrader cluster did not start: ${e.message}`);
  process.exit(1);
});
