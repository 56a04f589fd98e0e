/** An api node: `tsx api/src/main.ts` (PORT, REDIS_URL, XT_PREFIX, XT_SYMBOLS_FILE). */
import { z } from 'zod';
import { CommonEnv, createLogger, onShutdown, readEnv } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { DEFAULT_APPEND_CONNECTIONS, startApi } from './app';
import { DEFAULT_AUTH_CACHE_MS, DEFAULT_LOGIN_PER_ADDRESS, DEFAULT_LOGIN_PER_USERNAME, DEFAULT_SESSION_TTL_S, DEFAULT_SIGNUP_PER_ADDRESS } from './auth';

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
  /** Origins (comma-separated) besides the api's own host whose pages may change state with the session cookie. */
  API_ALLOWED_ORIGINS: z.string().default(''),
  API_SESSION_TTL_S: z.coerce.number().int().min(60).default(DEFAULT_SESSION_TTL_S),
  /** How long a session or API key lookup is reused from memory (revocation takes at most this long). */
  API_AUTH_CACHE_MS: z.coerce.number().int().min(0).max(1000).default(DEFAULT_AUTH_CACHE_MS),
  /** Signups per client address per API_SIGNUP_WINDOW_S (shared by all api nodes); 0 = no limit. */
  API_SIGNUP_LIMIT: z.coerce.number().int().min(0).default(DEFAULT_SIGNUP_PER_ADDRESS.points),
  API_SIGNUP_WINDOW_S: z.coerce.number().int().min(1).default(DEFAULT_SIGNUP_PER_ADDRESS.windowSeconds),
  /** Login attempts per client address and per username per API_LOGIN_WINDOW_S; 0 = no limit. */
  API_LOGIN_LIMIT_ADDRESS: z.coerce.number().int().min(0).default(DEFAULT_LOGIN_PER_ADDRESS.points),
  API_LOGIN_LIMIT_USERNAME: z.coerce.number().int().min(0).default(DEFAULT_LOGIN_PER_USERNAME.points),
  API_LOGIN_WINDOW_S: z.coerce.number().int().min(1).default(DEFAULT_LOGIN_PER_ADDRESS.windowSeconds),
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
    trustProxy: env.API_TRUST_PROXY,
    auth: {
      allowedOrigins: env.API_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      sessionTtlSeconds: env.API_SESSION_TTL_S,
      cacheMs: env.API_AUTH_CACHE_MS,
      signupPerAddress: { points: env.API_SIGNUP_LIMIT, windowSeconds: env.API_SIGNUP_WINDOW_S },
      loginPerAddress: { points: env.API_LOGIN_LIMIT_ADDRESS, windowSeconds: env.API_LOGIN_WINDOW_S },
      loginPerUsername: { points: env.API_LOGIN_LIMIT_USERNAME, windowSeconds: env.API_LOGIN_WINDOW_S },
    },
  });
  onShutdown(log, () => api.close());
  log.info('api listening', { port: api.port, symbols: [...markets.keys()] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
