import type { IncomingHttpHeaders } from 'node:http';
import { SIGNATURE_HEADERS, XtError, type ApiKeyScope as Scope } from '@xtrader/protocol';
import { bearerToken, sessionCookie, verifySigned } from '@xtrader/platform';
import type { AccountStore, Principal } from './account-store';
import type { RedisLimit } from './redis-limit';

export { bearerToken, sessionCookie } from '@xtrader/platform';

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
  /**
   * Requests with the `trade` scope (orders, cancels, key changes) an account may make per window,
   * counted in Redis so every api node spends the same budget (off when absent).
   */
  tradeLimit?: RedisLimit;
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

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Decides who a request acts for: a signed request (XT-API-KEY...), a bearer session token, or the
 * session cookie, in that order. Throws 401 UNAUTHENTICATED / TIMESTAMP_OUT_OF_WINDOW, or 403
 * FORBIDDEN for a key without `scope` or a cookie-authenticated change from a foreign Origin.
 */
export class Authenticator {
  private readonly allowedOrigins: ReadonlySet<string>;

  private readonly tradeLimit: RedisLimit | undefined;

  constructor(
    private readonly accounts: AccountStore,
    opts: AuthOptions = {},
  ) {
    this.tradeLimit = opts.tradeLimit?.enabled ? opts.tradeLimit : undefined;
    this.allowedOrigins = new Set((opts.allowedOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  async authenticate(req: AuthInput, scope: Scope): Promise<Principal> {
    const principal = await this.identify(req);
    if (!principal.scopes.includes(scope)) throw new XtError('FORBIDDEN', `this API key lacks the ${scope} scope`);
    if (principal.via === 'cookie' && !SAFE_METHODS.has(req.method.toUpperCase())) this.checkOrigin(req.headers);
    if (scope === 'trade') await this.chargeTrade(principal);
    return principal;
  }

  /**
   * Spends one of the account's trade requests (429 RATE_LIMITED past the budget): every route
   * that needs the `trade` scope, in either API dialect, pays it once.
   */
  async chargeTrade(principal: Principal): Promise<void> {
    if (this.tradeLimit) await this.tradeLimit.consume(principal.accountId, `account ${principal.username}`);
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
    const record = await verifySigned(this.accounts.credentials, {
      apiKey: header(headers, SIGNED.apiKey)!,
      timestamp: header(headers, SIGNED.timestamp),
      signature: header(headers, SIGNED.signature),
      recvWindow: header(headers, SIGNED.recvWindow),
      method: req.method,
      requestTarget: req.url,
      body: req.rawBody,
    });
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
