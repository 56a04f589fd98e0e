import { randomBytes } from 'node:crypto';
import type { CreatedApiKey, LoginResponse, PlaceOrderAccepted, PlaceOrderRequest, SignupResponse, SymbolsResponse } from '@xtrader/protocol';
import { signedHeaders } from '@xtrader/protocol/node';
import { GENEROUS_FUNDS, fundingDeposits } from './funds';

export { GENEROUS_FUNDS };

/** How a new account gets its money: deposits through the admin routes (`XT_ADMIN_TOKEN`). */
export interface Funding {
  adminToken: string;
  /** Per asset, the decimal amount to deposit (default {@link GENEROUS_FUNDS}). */
  amounts?: Readonly<Record<string, string>>;
}

/**
 * Deposits `amounts` into `accountId` through `POST /api/v1/admin/deposits`, one tx id per asset
 * (`fund-<account>-<asset>`, so calling it again deposits nothing twice); an asset the exchange
 * does not list is skipped.
 */
export async function fundAccount(baseUrl: string, accountId: string, funding: Funding, timeoutMs = 5000): Promise<void> {
  const admin = new ApiClient(baseUrl, timeoutMs);
  const auth = { authorization: `Bearer ${funding.adminToken}` };
  await Promise.all(
    fundingDeposits(accountId, funding.amounts).map(async (deposit) => {
      try {
        await admin.request('POST', '/api/v1/admin/deposits', deposit, auth);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 'ASSET_NOT_FOUND')) throw e;
      }
    }),
  );
}

/** An API key and its secret: what signs a bot's requests. */
export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

/** A failed API call: the HTTP status (0 when the request never got an answer) and body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A minimal REST client of the public API (what a bot would write), used by the demo bot, the
 * load runner and the tests. `baseUrl` is an api node or the load balancer, without `/api/v1`.
 * With credentials every request is signed with the API key.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
    readonly credentials?: ApiCredentials,
  ) {}

  /**
   * Signs up a fresh account (`<prefix>_<random>`), logs in, creates a read+trade API key and
   * returns a client that signs with it: how a bot gets its credentials at start. With `funding`
   * the account gets its money through the admin routes before it is returned.
   */
  static async withNewAccount(baseUrl: string, prefix = 'bot', timeoutMs = 5000, funding?: Funding): Promise<ApiClient> {
    const anonymous = new ApiClient(baseUrl, timeoutMs);
    const username = `${prefix}_${randomBytes(6).toString('hex')}`.slice(0, 32);
    const password = randomBytes(18).toString('base64url');
    const signup = await anonymous.request<SignupResponse>('POST', '/api/v1/auth/signup', { username, password });
    if (funding) await fundAccount(baseUrl, signup.account_id, funding, timeoutMs);
    const login = await anonymous.request<LoginResponse>('POST', '/api/v1/auth/login', { username, password });
    const key = await anonymous.request<CreatedApiKey>('POST', '/api/v1/api-keys', { label: prefix, scopes: ['read', 'trade'] }, { authorization: `Bearer ${login.token}` });
    return new ApiClient(baseUrl, timeoutMs, { apiKey: key.api_key, apiSecret: key.api_secret });
  }

  /**
   * The headers that sign one request (none without credentials); `recvWindowMs` for a request
   * that may wait in a client-side queue longer than the default window.
   */
  sign(method: string, path: string, body: string, recvWindowMs?: number): Record<string, string> {
    return this.credentials ? signedHeaders(this.credentials.apiKey, this.credentials.apiSecret, method, path, body, Date.now(), recvWindowMs) : {};
  }

  placeOrder(body: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
    return this.request('POST', '/api/v1/order', body);
  }

  /** Resolves with the cancelled order; rejects with status 404 when there was nothing to cancel. */
  cancelOrder(orderId: string): Promise<unknown> {
    return this.request('POST', '/api/v1/order/cancel', { order_id: orderId });
  }

  symbols(): Promise<SymbolsResponse> {
    return this.request('GET', '/api/v1/symbols');
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    const sent = body === undefined ? '' : JSON.stringify(body);
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.sign(method, path, sent), ...headers },
        body: body === undefined ? undefined : sent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `${method} ${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = json as { error?: string; message?: string } | undefined;
      throw new ApiError(res.status, err?.error ?? `HTTP_${res.status}`, `${method} ${path}: ${err?.message ?? text.slice(0, 200)}`);
    }
    return json as T;
  }
}
