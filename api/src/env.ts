import { DEFAULT_WEIGHT_PER_MINUTE } from './binance/weight';
import { z } from 'zod';
import { CommonEnv, HttpLimitsEnv } from '@xtrader/platform';
import { DEFAULT_APPEND_CONNECTIONS } from './app';
import { DEFAULT_LEDGER_ANSWER_TIMEOUT_MS } from './ledger/shard-client';
import { DEFAULT_FAUCET_AMOUNTS } from './ledger/faucet';
import { DEFAULT_MARKET_HEALTH } from './market-health';
import { DEFAULT_AUTH_CACHE_MS, DEFAULT_LOGIN_PER_ADDRESS, DEFAULT_LOGIN_PER_USERNAME, DEFAULT_SESSION_TTL_S, DEFAULT_SIGNUP_PER_ADDRESS } from './auth';

/** Environment of an api node, validated at boot (every variable is in docs/operations.md). */
export const ApiEnv = HttpLimitsEnv.extend({
  ...CommonEnv.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(7000),
  HOST: z.string().default('0.0.0.0'),
  /** Redis connections that order appends rotate over (see DEFAULT_APPEND_CONNECTIONS). */
  API_APPEND_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(DEFAULT_APPEND_CONNECTIONS),
  /** Orders and cancels per client address per API_RATE_WINDOW_S on this node; 0 = no limit. */
  API_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  API_RATE_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(1),
  /** How often the node reads every engine's heartbeat. */
  API_ENGINE_CHECK_MS: z.coerce.number().int().min(50).max(60_000).default(DEFAULT_MARKET_HEALTH.checkMs),
  /** Orders for a market whose engine has been silent this long get 503 MARKET_UNAVAILABLE (queued until then). */
  API_MARKET_GRACE_MS: z.coerce.number().int().min(0).default(DEFAULT_MARKET_HEALTH.graceMs),
  /**
   * Peers trusted to name the client in X-Forwarded-For (proxy-addr trust list). None by default:
   * a client talking to the node directly must not choose its own address. The launchers set it
   * to where their nginx is.
   */
  API_TRUST_PROXY: z.string().default(''),
  /**
   * Origins (comma-separated) besides the api's own host whose pages may call it from a browser:
   * the CORS allow-list, and the pages that may change state with the session cookie.
   */
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
  /** Orders, cancels and other trade requests per account per API_ACCOUNT_RATE_WINDOW_S, shared by all api nodes; 0 = no limit. */
  API_ACCOUNT_RATE_LIMIT: z.coerce.number().int().min(0).default(0),
  API_ACCOUNT_RATE_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(1),
  /** Binance-dialect request weight per client address per minute on each node (X-MBX-USED-WEIGHT-1M; 0 = unlimited). */
  API_BINANCE_WEIGHT_PER_MINUTE: z.coerce.number().int().min(0).default(DEFAULT_WEIGHT_PER_MINUTE),
  API_LOGIN_WINDOW_S: z.coerce.number().int().min(1).default(DEFAULT_LOGIN_PER_ADDRESS.windowSeconds),
  /** What one demo faucet call deposits (with XT_FAUCET=on), `ASSET=amount,...`; checked at boot. */
  XT_FAUCET_AMOUNTS: z.string().default(DEFAULT_FAUCET_AMOUNTS),
  /** How long a request to the ledger (a deposit, a lock) waits for its shard's answer before 504 TIMEOUT. */
  LEDGER_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(DEFAULT_LEDGER_ANSWER_TIMEOUT_MS),
});
export type ApiEnv = z.infer<typeof ApiEnv>;
