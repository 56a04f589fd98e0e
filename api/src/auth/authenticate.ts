import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  DEFAULT_RECV_WINDOW_MS,
  MAX_CLOCK_AHEAD_MS,
  MAX_RECV_WINDOW_MS,
  SESSION_COOKIE,
  SIGNATURE_HEADERS,
  XtError,
  type ApiKeyScope as Scope,
} from '@xtrader/protocol';
import { signature } from '@xtrader/protocol/node';
import type { AccountStore, Principal } from './account-store';

declare module 'node:http' {
  interface IncomingMessage {
    /** The body exactly as received, kept by the body parser for signature checks. */
    rawBody?: string;
  }
}

/** What authentication reads of a request (the same from Express and from bare `node:http`). */
export interface AuthInput {
  method: string;
  /** The request target exactly as sent: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body ('' when there is none): signatures cover it byte for byte. */
  rawBody: string;
}

export interface AuthOptions {
  /**
   * Origins (scheme://host[:port]) besides the api's own host whose pages may change state with
   * the session cookie (the page's origin when it is served from elsewhere).
   */
  allowedOrigins?: readonly string[];
}

/** An Express request as {@link AuthInput} (`rawBody` is kept by the app's body parser). */
export function authInput(req: { method: string; originalUrl: string; headers: IncomingHttpHeaders; rawBody?: string }): AuthInput {
  return { method: req.method, url: req.originalUrl, headers: req.headers, rawBody: req.rawBody ?? '' };
}

/** The signed-request headers as node names them (lowercase). */
const SIGNED = {
  apiKey: SIGNATURE_HEADERS.apiKey.toLowerCase(),
  timestamp: SIGNATURE_HEADERS.timestamp.toLowerCase(),
  signature: SIGNATURE_HEADERS.signature.toLowerCase(),
  recvWindow: SIGNATURE_HEADERS.recvWindow.toLowerCase(),
};

const ALL_SCOPES: readonly Scope[] = ['read', 'trade'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The same answer for an unknown key and a wrong signature: it must not say which part was wrong. */
const BAD_SIGNATURE = 'invalid API key or signature';

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

/**
 * Decides who a request acts for: a signed request (XT-API-KEY...), a bearer session token, or the
 * session cookie, in that order. Throws 401 UNAUTHENTICATED / TIMESTAMP_OUT_OF_WINDOW, or 403
 * FORBIDDEN for a key without `scope` or a cookie-authenticated change from a foreign Origin.
 */
export class Authenticator {
  private readonly allowedOrigins: ReadonlySet<string>;

  constructor(
    private readonly accounts: AccountStore,
    opts: AuthOptions = {},
  ) {
    this.allowedOrigins = new Set((opts.allowedOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  async authenticate(req: AuthInput, scope: Scope): Promise<Principal> {
    const principal = await this.identify(req);
    if (!principal.scopes.includes(scope)) throw new XtError('FORBIDDEN', `this API key lacks the ${scope} scope`);
    if (principal.via === 'cookie' && !SAFE_METHODS.has(req.method.toUpperCase())) this.checkOrigin(req.headers);
    return principal;
  }

  /** Who the request is, without a scope check (a session alone, e.g. for managing API keys). */
  async identify(req: AuthInput): Promise<Principal> {
    const { headers } = req;
    if (header(headers, SIGNED.apiKey) !== undefined) return this.signed(req);
    const bearer = bearerToken(headers);
    if (bearer !== undefined) return this.session(bearer, 'bearer');
    const cookie = sessionCookie(headers);
    if (cookie !== undefined) return this.session(cookie, 'cookie');
    throw new XtError('UNAUTHENTICATED', 'sign in (session cookie or Authorization: Bearer <token>) or sign the request with an API key');
  }

  private async session(token: string, via: 'cookie' | 'bearer'): Promise<Principal> {
    const s = await this.accounts.session(token);
    if (!s) throw new XtError('UNAUTHENTICATED', 'the session is unknown, expired or logged out; log in again');
    return { accountId: s.account_id, username: s.username, via, scopes: ALL_SCOPES };
  }

  private async signed(req: AuthInput): Promise<Principal> {
    const { headers } = req;
    const apiKey = header(headers, SIGNED.apiKey)!;
    const timestamp = header(headers, SIGNED.timestamp);
    const given = header(headers, SIGNED.signature);
    const windowText = header(headers, SIGNED.recvWindow);
    if (timestamp === undefined || !/^\d{1,16}$/.test(timestamp)) throw new XtError('UNAUTHENTICATED', 'XT-TIMESTAMP must be the time in ms since the epoch');
    if (given === undefined) throw new XtError('UNAUTHENTICATED', 'a signed request needs XT-API-KEY, XT-TIMESTAMP and XT-SIGNATURE');
    let window = DEFAULT_RECV_WINDOW_MS;
    if (windowText !== undefined) {
      window = /^\d{1,6}$/.test(windowText) ? Number(windowText) : NaN;
      if (!(window >= 1 && window <= MAX_RECV_WINDOW_MS)) throw new XtError('UNAUTHENTICATED', `XT-RECV-WINDOW must be an integer from 1 to ${MAX_RECV_WINDOW_MS} ms`);
    }
    const now = Date.now();
    const ts = Number(timestamp);
    if (ts > now + MAX_CLOCK_AHEAD_MS || now - ts > window) {
      throw new XtError('TIMESTAMP_OUT_OF_WINDOW', `XT-TIMESTAMP must be within ${window} ms before and ${MAX_CLOCK_AHEAD_MS} ms after the server's time (${now}); see GET /api/v1/time`);
    }
    const record = await this.accounts.apiKey(apiKey);
    if (!record) throw new XtError('UNAUTHENTICATED', BAD_SIGNATURE);
    const expected = Buffer.from(signature(record.secret, timestamp, req.method, req.url, req.rawBody), 'utf8');
    const actual = Buffer.from(given.toLowerCase(), 'utf8');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new XtError('UNAUTHENTICATED', BAD_SIGNATURE);
    return { accountId: record.account_id, username: record.username, via: 'api-key', scopes: record.scopes };
  }

  /** A cookie rides along with any request the browser sends: only this site's pages may change state with it. */
  private checkOrigin(headers: IncomingHttpHeaders): void {
    const origin = header(headers, 'origin');
    const host = header(headers, 'host');
    if (origin !== undefined) {
      const o = origin.toLowerCase();
      if (this.allowedOrigins.has(o)) return;
      try {
        if (host !== undefined && new URL(o).host === host.toLowerCase()) return;
      } catch {
        /* not a URL: refused below */
      }
    }
    throw new XtError('FORBIDDEN', 'a request authenticated by the session cookie must come from this site (Origin check); bots use an API key or a bearer token');
  }
}
