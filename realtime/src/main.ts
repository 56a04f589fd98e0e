import { loadMarkets } from '@xtrader/protocol/node';
import { createLogger, httpLimitsOf, onShutdown, readEnv, redisTarget } from '@xtrader/platform';
import { RealtimeEnv } from './options';
import { startRealtime } from './server';

/** Process entry of a realtime node: environment in, node up, clean stop on SIGTERM. */
async function main(): Promise<void> {
  const env = readEnv(RealtimeEnv);
  const log = createLogger('realtime', env.LOG_LEVEL);
  const symbols = loadMarkets(env.XT_SYMBOLS_FILE).map((m) => m.symbol);
  // The handler is in place before the node says it listens: a SIGTERM right after that line
  // (a launcher stopping a node it just saw start) still closes it cleanly.
  const starting = startRealtime({
    port: env.PORT,
    host: env.HOST,
    redisUrl: redisTarget(env),
    prefix: env.XT_PREFIX,
    symbols,
    webDist: env.XT_WEB_DIST,
    publicApiUrl: env.XT_PUBLIC_API_URL,
    publicApiPort: env.XT_PUBLIC_API_PORT,
    publicSocketUrl: env.XT_PUBLIC_SOCKET_URL,
    pingIntervalMs: env.XT_PING_INTERVAL_MS,
    pongTimeoutMs: env.XT_PONG_TIMEOUT_MS,
    queueLimit: env.XT_CLIENT_QUEUE_LIMIT,
    wsHighWaterBytes: env.XT_WS_HIGH_WATER_BYTES,
    logLevel: env.LOG_LEVEL,
    httpLimits: httpLimitsOf(env),
    connectionLimits: { perAddress: env.XT_WS_MAX_PER_ADDRESS, total: env.XT_WS_MAX_CONNECTIONS, subscribesPerSecond: env.XT_SUBSCRIBES_PER_SECOND, trustProxy: env.XT_TRUST_PROXY },
    authCacheMs: env.XT_AUTH_CACHE_MS,
    authRecheckMs: env.XT_AUTH_RECHECK_MS,
  });
  onShutdown(log, async () => (await starting).close());
  await starting;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
