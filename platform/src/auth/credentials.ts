import type { RedisClient } from '../redis';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  accountKeys,
  DEFAULT_RECV_WINDOW_MS,
  isXtError,
  MAX_CLOCK_AHEAD_MS,
  MAX_RECV_WINDOW_MS,
  SESSION_COOKIE,
  XtError,
  type AccountKeys,
  type ApiKeyScope,
} from '@xtrader/protocol';
import { signature } from '@xtrader/protocol/node';
import { ShortCache } from './short-cache';

/**
 * The read side of authentication, shared by every process that accepts credentials (the api's
 * routes, the realtime nodes' connections): finding a session or an API key in Redis and checking
 * a signature. Writing them (signup, login, key creation) is the api's.
 */

/** A session as stored under `accountKeys.session(sha256(token))`. */
export interface SessionRecord {
  account_id: string;
  username: string;
  expires_at: number;
}

/** An API key as stored: the secret in plain text, since the server must compute the HMAC with it. */
export interface ApiKeyRecord {
  account_id: string;
  username: string;
  secret: string;
  label: string;
  scopes: ApiKeyScope[];
  created_at: number;
}

/** How long a looked-up session or key is reused from memory by default (ms). */
export const DEFAULT_AUTH_CACHE_MS = 500;

/** The key a session token is stored under: its sha256 (a leaked keyspace holds no usable token). */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Turns a Redis failure into 503 SERVICE_UNAVAILABLE (an XtError passes through). */
export async function durable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isXtError(e)) throw e;
    throw new XtError('SERVICE_UNAVAILABLE', `the account store is unavailable (${(e as Error).message}); nothing was changed, retry`);
  }
}

/**
 * Sessions and API keys as any node reads them. A lookup is reused from memory for `cacheMs`
 * (0 = always ask Redis): a logout or a revoked key is refused by every node within that time.
 */
export class CredentialReader {
  readonly keys: AccountKeys;
  private readonly sessions: ShortCache<SessionRecord>;
  private readonly apiKeys: ShortCache<ApiKeyRecord>;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    cacheMs: number = DEFAULT_AUTH_CACHE_MS,
  ) {
    this.keys = accountKeys(prefix);
    this.sessions = new ShortCache(cacheMs);
    this.apiKeys = new ShortCache(cacheMs);
  }

  /** The live session of a token; undefined when unknown, expired or logged out. */
  async session(token: string): Promise<SessionRecord | undefined> {
    const hash = sessionTokenHash(token);
    const record = await this.sessions.get(hash, async () => {
      const json = await durable(() => this.redis.get(this.keys.session(hash)));
      return json ? (JSON.parse(json) as SessionRecord) : undefined;
    });
    return record && record.expires_at > Date.now() ? record : undefined;
  }

  async apiKey(apiKey: string): Promise<ApiKeyRecord | undefined> {
    return this.apiKeys.get(apiKey, async () => {
      const json = await durable(() => this.redis.get(this.keys.apiKey(apiKey)));
      return json ? (JSON.parse(json) as ApiKeyRecord) : undefined;
    });
  }

  /** Drops this node's cached copy of a session (by token hash) after it was deleted. */
  forgetSession(tokenHash: string): void {
    this.sessions.delete(tokenHash);
  }

  forgetApiKey(apiKey: string): void {
    this.apiKeys.delete(apiKey);
  }
}

/** What a signed request or connection presents. */
export interface SignedCredentials {
  apiKey: string;
  /** ms since the epoch, as the client wrote it (the signature covers this text). */
  timestamp: string | undefined;
  signature: string | undefined;
  /** XT-RECV-WINDOW as sent, if any. */
  recvWindow?: string;
  method: string;
  /** Path and query exactly as sent. */
  requestTarget: string;
  /** The raw body ('' when none). */
  body: string;
}

/** The same answer for an unknown key and a wrong signature: it must not say which part was wrong. */
const BAD_SIGNATURE = 'invalid API key or signature';

/**
 * Checks a signature with an API key: the timestamp within the receive window (401
 * TIMESTAMP_OUT_OF_WINDOW), then the key and the HMAC (401 UNAUTHENTICATED, one message for both).
 * Returns the key's record.
 */
export async function verifySigned(reader: CredentialReader, c: SignedCredentials, now = Date.now()): Promise<ApiKeyRecord> {
  if (c.timestamp === undefined || !/^\d{1,16}$/.test(c.timestamp)) throw new XtError('UNAUTHENTICATED', 'XT-TIMESTAMP must be the time in ms since the epoch');
  if (c.signature === undefined) throw new XtError('UNAUTHENTICATED', 'a signed request needs XT-API-KEY, XT-TIMESTAMP and XT-SIGNATURE');
  let window = DEFAULT_RECV_WINDOW_MS;
  if (c.recvWindow !== undefined) {
    window = /^\d{1,6}$/.test(c.recvWindow) ? Number(c.recvWindow) : NaN;
    if (!(window >= 1 && window <= MAX_RECV_WINDOW_MS)) throw new XtError('UNAUTHENTICATED', `XT-RECV-WINDOW must be an integer from 1 to ${MAX_RECV_WINDOW_MS} ms`);
  }
  const ts = Number(c.timestamp);
  if (ts > now + MAX_CLOCK_AHEAD_MS || now - ts > window) {
    throw new XtError('TIMESTAMP_OUT_OF_WINDOW', `XT-TIMESTAMP must be within ${window} ms before and ${MAX_CLOCK_AHEAD_MS} ms after the server's time (${now}); see GET /api/v1/time`);
  }
  const record = await reader.apiKey(c.apiKey);
  if (!record) throw new XtError('UNAUTHENTICATED', BAD_SIGNATURE);
  const expected = Buffer.from(signature(record.secret, c.timestamp, c.method, c.requestTarget, c.body), 'utf8');
  const actual = Buffer.from(c.signature.toLowerCase(), 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new XtError('UNAUTHENTICATED', BAD_SIGNATURE);
  return record;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The session token of the cookie header, if any. */
export function sessionCookie(headers: IncomingHttpHeaders): string | undefined {
  const cookie = header(headers, 'cookie');
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = header(headers, 'authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m ? m[1] : undefined;
}
