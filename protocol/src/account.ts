import { z } from 'zod';
import { OrderView, Side } from './rest';

/** Usernames: lowercase letters, digits and underscore, 3 to 32 of them. */
export const USERNAME_PATTERN = /^[a-z0-9_]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export const Username = z.string().regex(USERNAME_PATTERN, 'username must be 3-32 of a-z, 0-9 and _');
export const Password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

/** POST /api/v1/auth/signup. */
export const SignupRequest = z.object({ username: Username, password: Password }).strict();
export type SignupRequest = z.infer<typeof SignupRequest>;
export const SignupResponse = z.object({ account_id: z.string(), username: z.string() });
export type SignupResponse = z.infer<typeof SignupResponse>;

/** POST /api/v1/auth/login: any strings; a wrong pair is one answer, whichever part is wrong. */
export const LoginRequest = z.object({ username: z.string(), password: z.string() }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;
/** The token is also set as the `xt_session` cookie; `expires_at` is ms since the epoch. */
export const LoginResponse = z.object({ account_id: z.string(), username: z.string(), token: z.string(), expires_at: z.number() });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** The session cookie's name. */
export const SESSION_COOKIE = 'xt_session';

export const Balance = z.object({ asset: z.string(), available: z.number(), locked: z.number() });
export type Balance = z.infer<typeof Balance>;
/** GET /api/v1/account: `balances` has every asset of the listed markets (`balanceView` in ledger.ts). */
export const AccountResponse = z.object({ account_id: z.string(), username: z.string(), balances: z.array(Balance).optional() });
export type AccountResponse = z.infer<typeof AccountResponse>;

/** GET /api/v1/orders: the account's own orders, newest first. */
export const OrderListStatus = z.enum(['open', 'all']);
export type OrderListStatus = z.infer<typeof OrderListStatus>;
export const OrdersResponse = z.object({ orders: z.array(OrderView) });
export type OrdersResponse = z.infer<typeof OrdersResponse>;
/** DELETE /api/v1/orders: the ids the engines cancelled. */
export const CancelAllResponse = z.object({ cancelled: z.array(z.string()) });
export type CancelAllResponse = z.infer<typeof CancelAllResponse>;

/** One of the account's own trades, seen from its order (side, fee and liquidity are its own). */
export const MyTrade = z.object({
  exec_id: z.string(),
  order_id: z.string(),
  symbol: z.string(),
  side: Side,
  price: z.number(),
  quantity: z.number(),
  fee: z.number(),
  fee_asset: z.string(),
  liquidity: z.enum(['maker', 'taker']),
  timestamp: z.number(),
});
export type MyTrade = z.infer<typeof MyTrade>;
/** GET /api/v1/my-trades, newest first. */
export const MyTradesResponse = z.object({ trades: z.array(MyTrade) });
export type MyTradesResponse = z.infer<typeof MyTradesResponse>;

/** `read`: orders, trades, account. `trade`: place and cancel. */
export const ApiKeyScope = z.enum(['read', 'trade']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;
/** POST /api/v1/api-keys (from a session only). */
export const CreateApiKeyRequest = z
  .object({ label: z.string().min(1).max(64), scopes: z.array(ApiKeyScope).min(1) })
  .strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;
/** A key as listed: never its secret. */
export const ApiKeyInfo = z.object({ api_key: z.string(), label: z.string(), scopes: z.array(ApiKeyScope), created_at: z.number() });
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;
/** The answer to a create: the only time the secret is shown. */
export const CreatedApiKey = ApiKeyInfo.extend({ api_secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
/** GET /api/v1/api-keys. */
export const ApiKeysResponse = z.object({ api_keys: z.array(ApiKeyInfo) });
export type ApiKeysResponse = z.infer<typeof ApiKeysResponse>;

/** Headers of a signed request; the signature is over timestamp + METHOD + request target + body. */
export const SIGNATURE_HEADERS = {
  apiKey: 'XT-API-KEY',
  timestamp: 'XT-TIMESTAMP',
  signature: 'XT-SIGNATURE',
  recvWindow: 'XT-RECV-WINDOW',
} as const;

/** GET /api/v1/time. */
export const TimeResponse = z.object({ server_time: z.number() });
export type TimeResponse = z.infer<typeof TimeResponse>;

/** How old a signed request's timestamp may be by default, and at most (ms). */
export const DEFAULT_RECV_WINDOW_MS = 5000;
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server's clock a signed request's timestamp may be (ms). */
export const MAX_CLOCK_AHEAD_MS = 1000;

/**
 * The text a signature covers: timestamp + METHOD + request target (path and query exactly as
 * sent) + raw body ('' when there is none). XT-SIGNATURE is its lowercase hex HMAC-SHA256 keyed
 * with the API secret.
 */
export function signingPayload(timestamp: string | number, method: string, requestTarget: string, body: string): string {
  return `${timestamp}${method.toUpperCase()}${requestTarget}${body}`;
}
