/** An api node: `tsx api/src/main.ts` (PORT, REDIS_URL, XT_PREFIX, XT_SYMBOLS_FILE). */
import { z } from 'zod';
import { CommonEnv, createLogger, onShutdown, readEnv } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { DEFAULT_APPEND_CONNECTIONS, startApi } from './app';

const ApiEnv = CommonEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(7000),
  HOST: z.string().default('0.0.0.0'),
  /** Redis connections that order appends rotate over (see DEFAULT_APPEND_CONNECTIONS). */
  API_APPEND_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(DEFAULT_APPEND_CONNECTIONS),
  /** Orders and cancels per client address per API_RATE_WINDOW_S on this node; 0 = no limit. */
  API_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  API_RATE_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(1),
  /** Peers trusted to name the client in X-Forwarded-For (proxy-addr trust list). */
  API_TRUST_PROXY: z.string().default('loopback,uniquelocal'),
});

async function main(): Promise<void> {
  const env = readEnv(ApiEnv);
  const log = createLogger('api', env.LOG_LEVEL);
  const markets = loadMarketMap(env.XT_SYMBOLS_FILE);
  const api = await startApi({
    redisUrl: env.REDIS_URL,
    prefix: env.XT_PREFIX,
    markets,
    port: env.PORT,
    host: env.HOST,
    log,
    appendConnections: env.API_APPEND_CONNECTIONS,
    rateLimit: { orders: env.API_RATE_LIMIT, windowSeconds: env.API_RATE_WINDOW_S, trustProxy: env.API_TRUST_PROXY },
  });
  onShutdown(log, () => api.close());
  log.info('api listening', { port: api.port, symbols: [...markets.keys()] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
