import type { Budget } from './redis-limit';

/** Authentication settings of an api node (every field has a default; limits are per window). */
export interface AuthConfig {
  /** Origins besides the api's own host whose pages may change state with the session cookie. */
  allowedOrigins?: readonly string[];
  sessionTtlSeconds?: number;
  /** How long a session or key lookup is reused from memory (ms; revocation takes at most this long). */
  cacheMs?: number;
  signupPerAddress?: Budget;
  loginPerAddress?: Budget;
  loginPerUsername?: Budget;
  /** Orders, cancels and other `trade` requests per account, shared by all api nodes (default off). */
  tradePerAccount?: Budget;
}

export const DEFAULT_SIGNUP_PER_ADDRESS: Budget = { points: 20, windowSeconds: 3600 };
export const DEFAULT_LOGIN_PER_ADDRESS: Budget = { points: 60, windowSeconds: 60 };
export const DEFAULT_LOGIN_PER_USERNAME: Budget = { points: 10, windowSeconds: 60 };
