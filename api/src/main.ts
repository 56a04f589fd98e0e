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
});

async function main(): Promise<void> {
  const env = readEnv(ApiEnv);
  const log = createLogger('api', env.LOG_LEVEL);
  const markets = loadMarketMap(env.XT_SYMBOLS_FILE);
  const api = await startApi({ redisUrl: env.REDIS_URL, prefix: env.XT_PREFIX, markets, port: env.PORT, host: env.HOST, log, appendConnections: env.API_APPEND_CONNECTIONS });
  onShutdown(log, () => api.close());
  log.info('api listening', { port: api.port, symbols: [...markets.keys()] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
