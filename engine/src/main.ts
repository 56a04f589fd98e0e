/**
 * The engine process: one lease-fenced runner per symbol (`--symbol X`, repeatable; default every
 * configured symbol). Several engines may run for the same symbols: one leads, the others wait.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLogger, onShutdown, readEnv, redisTarget, serveMetrics } from '@xtrader/platform';
import { loadMarkets } from '@xtrader/protocol/node';
import { RunnerMetrics, SymbolRunner } from './runner';
import { startClockScheduler } from './clock';
import { EngineEnv, runnerSettings } from './env';

function symbolsFromArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--symbol' && argv[i + 1]) out.push(argv[++i]);
    else if (argv[i].startsWith('--symbol=')) out.push(argv[i].slice('--symbol='.length));
  }
  return out;
}

async function main(): Promise<void> {
  const env = readEnv(EngineEnv);
  const log = createLogger('engine', env.LOG_LEVEL);
  const markets = loadMarkets(env.XT_SYMBOLS_FILE);
  const wanted = symbolsFromArgs(process.argv.slice(2));
  const unknown = wanted.filter((s) => !markets.some((m) => m.symbol === s));
  if (unknown.length > 0) {
    log.error('unknown symbols', { unknown, configured: markets.map((m) => m.symbol) });
    process.exit(2);
  }
  const specs = wanted.length > 0 ? markets.filter((m) => wanted.includes(m.symbol)) : markets;
  const engineId = env.ENGINE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const metrics = new RunnerMetrics();
  const runners = specs.map(
    (spec) =>
      new SymbolRunner({
        spec,
        redisUrl: redisTarget(env),
        engineId,
        log,
        metrics,
        ...runnerSettings(env),
      }),
  );
  const server = env.METRICS_PORT !== undefined ? serveMetrics(metrics.registry, env.METRICS_PORT) : undefined;
  // Every configured symbol, not just this engine's: whichever engine takes a tick appends it to all.
  const clock =
    env.ENGINE_CLOCK_MS > 0
      ? startClockScheduler({
          redisUrl: redisTarget(env),
          prefix: env.XT_PREFIX,
          symbols: markets.map((m) => m.symbol),
          everyMs: env.ENGINE_CLOCK_MS,
          onError: (e) => log.warn('clock error', { error: e.message }),
        })
      : undefined;
  onShutdown(log, async () => {
    await clock?.close();
    await Promise.all(runners.map((r) => r.stop()));
    server?.close();
  });
  log.info('engine started', { engineId, symbols: specs.map((s) => s.symbol), metricsPort: env.METRICS_PORT ?? null });
  for (const r of runners) {
    r.start().catch((e: unknown) => {
      log.error('runner crashed', { symbol: r.symbol, error: String(e) });
      process.exit(1);
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
