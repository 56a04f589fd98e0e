/** An api node: `tsx api/src/main.ts` (PORT, REDIS_URL, XT_PREFIX, XT_SYMBOLS_FILE). */
import { createLogger, durabilityOf, httpLimitsOf, onShutdown, readEnv, redisTarget } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi } from './app';
import { ApiEnv } from './env';

async function main(): Promise<void> {
  const env = readEnv(ApiEnv);
  const log = createLogger('api', env.LOG_LEVEL);
  const markets = loadMarketMap(env.XT_SYMBOLS_FILE);
  const api = await startApi({
    redisUrl: redisTarget(env),
    prefix: env.XT_PREFIX,
    markets,
    port: env.PORT,
    host: env.HOST,
    log,
    appendConnections: env.API_APPEND_CONNECTIONS,
    rateLimit: { orders: env.API_RATE_LIMIT, windowSeconds: env.API_RATE_WINDOW_S, trustProxy: env.API_TRUST_PROXY },
    trustProxy: env.API_TRUST_PROXY,
    marketHealth: { checkMs: env.API_ENGINE_CHECK_MS, graceMs: env.API_MARKET_GRACE_MS },
    httpLimits: httpLimitsOf(env),
    durability: durabilityOf(env),
    binance: { weightPerMinute: env.API_BINANCE_WEIGHT_PER_MINUTE },
    admin: { token: env.XT_ADMIN_TOKEN, faucet: env.XT_FAUCET === 'on', faucetAmounts: env.XT_FAUCET_AMOUNTS },
    ledger: { shardCount: env.XT_LEDGER_SHARDS, answerTimeoutMs: env.LEDGER_ANSWER_TIMEOUT_MS },
    auth: {
      allowedOrigins: env.API_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      sessionTtlSeconds: env.API_SESSION_TTL_S,
      cacheMs: env.API_AUTH_CACHE_MS,
      signupPerAddress: { points: env.API_SIGNUP_LIMIT, windowSeconds: env.API_SIGNUP_WINDOW_S },
      loginPerAddress: { points: env.API_LOGIN_LIMIT_ADDRESS, windowSeconds: env.API_LOGIN_WINDOW_S },
      loginPerUsername: { points: env.API_LOGIN_LIMIT_USERNAME, windowSeconds: env.API_LOGIN_WINDOW_S },
      tradePerAccount: { points: env.API_ACCOUNT_RATE_LIMIT, windowSeconds: env.API_ACCOUNT_RATE_WINDOW_S },
    },
  });
  onShutdown(log, () => api.close());
  log.info('api listening', { port: api.port, symbols: [...markets.keys()] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
