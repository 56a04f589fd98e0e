import {
  FaucetInfoResponse,
  FaucetResponse,
  AccountResponse,
  ApiKeysResponse,
  CreatedApiKey,
  ErrorBody,
  LoginResponse,
  MyTradesResponse,
  OrdersResponse,
  SignupResponse,
  KlinesResponse,
  MarketStatistics,
  OrderBookResponse,
  OrderView,
  PlaceOrderAccepted,
  SymbolsResponse,
  TradesResponse,
  type Interval,
  type OrderBookSnapshot,
  type PlaceOrderRequest,
  type Candle,
  type MarketInfo,
  type Trade,
  type ApiKeyInfo,
  type ApiKeyScope,
  type MyTrade,
  type OrderListStatus,
} from '@xtrader/protocol';
import type { z } from 'zod';

/** An answer from the API that is not a success: its `{error, message}` body, or a network failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Statistics as the REST route answers them: the realtime message, its `type` optional. */
const StatisticsBody = MarketStatistics.partial({ type: true });
export type Statistics = z.infer<typeof StatisticsBody>;

/** Optional klines window: `start`/`end` are open times in ms. */
export interface KlinesQuery {
  limit?: number;
  start?: number;
  end?: number;
}

/**
 * Whether a request carries the session cookie. Market data is public and goes without it;
 * everything an account does goes with it (`credentials: 'include'`), because the api may be on
 * another port of the page's host, where the HttpOnly `xt_session` cookie is same-site but the
 * request is cross-origin.
 */
type Auth = 'public' | 'session';

/**
 * The REST API of the exchange, each answer checked against the shared schemas so a contract
 * drift shows as a readable error instead of a blank widget.
 */
export class ExchangeApi {
  private readonly sessionEndListeners = new Set<() => void>();

  constructor(private readonly baseUrl: string) {}

  /** Called when an account request is answered 401: the session expired or was revoked. */
  onSessionEnd(listener: () => void): () => void {
    this.sessionEndListeners.add(listener);
    return () => this.sessionEndListeners.delete(listener);
  }

  async symbols(): Promise<MarketInfo[]> {
    return (await this.get('/api/v1/symbols', SymbolsResponse)).symbols;
  }

  async orderBook(symbol: string, depth = 15): Promise<OrderBookSnapshot> {
    return (await this.get(`/api/v1/orderbook/${enc(symbol)}?depth=${depth}`, OrderBookResponse)).orderbook;
  }

  async klines(symbol: string, interval: Interval, q: KlinesQuery = {}): Promise<Candle[]> {
    const params = new URLSearchParams();
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    if (q.start !== undefined) params.set('start', String(q.start));
    if (q.end !== undefined) params.set('end', String(q.end));
    const qs = params.size > 0 ? `?${params}` : '';
    return (await this.get(`/api/v1/klines/${enc(symbol)}/${interval}${qs}`, KlinesResponse)).candles;
  }

  async trades(symbol: string, limit = 50): Promise<Trade[]> {
    return (await this.get(`/api/v1/trades/${enc(symbol)}?limit=${limit}`, TradesResponse)).trades;
  }

  async statistics(symbol: string): Promise<Statistics> {
    return this.get(`/api/v1/statistics/${enc(symbol)}`, StatisticsBody);
  }

  async order(orderId: string): Promise<OrderView> {
    return this.get(`/api/v1/order/${enc(orderId)}`, OrderView, 'session');
  }

  async placeOrder(body: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
    return this.send('POST', '/api/v1/order', body, PlaceOrderAccepted);
  }

  async cancelOrder(orderId: string): Promise<OrderView> {
    return this.send('POST', '/api/v1/order/cancel', { order_id: orderId }, OrderView);
  }

  /** Creates the account; it is not signed in until {@link login}. */
  async signup(username: string, password: string): Promise<SignupResponse> {
    return this.send('POST', '/api/v1/auth/signup', { username, password }, SignupResponse);
  }

  /** Signs in: the api sets the HttpOnly session cookie, which every later account request carries. */
  async login(username: string, password: string): Promise<LoginResponse> {
    return this.send('POST', '/api/v1/auth/login', { username, password }, LoginResponse);
  }

  async logout(): Promise<void> {
    // An empty JSON object: the api reads POST bodies only as JSON.
    await this.send('POST', '/api/v1/auth/logout', {}, undefined);
  }

  /** The signed-in account; 401 when there is no session. */
  async account(): Promise<AccountResponse> {
    return this.get('/api/v1/account', AccountResponse, 'session', false);
  }

  async myOrders(q: { status?: OrderListStatus; symbol?: string; limit?: number } = {}): Promise<OrderView[]> {
    const params = new URLSearchParams();
    if (q.symbol !== undefined) params.set('symbol', q.symbol);
    if (q.status !== undefined) params.set('status', q.status);
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    return (await this.get(`/api/v1/orders${params.size > 0 ? `?${params}` : ''}`, OrdersResponse, 'session')).orders;
  }

  async myTrades(q: { symbol?: string; limit?: number } = {}): Promise<MyTrade[]> {
    const params = new URLSearchParams();
    if (q.symbol !== undefined) params.set('symbol', q.symbol);
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    return (await this.get(`/api/v1/my-trades${params.size > 0 ? `?${params}` : ''}`, MyTradesResponse, 'session')).trades;
  }

  /** What the demo faucet deposits; 404 (an ApiError) when the exchange has no faucet. */
  async faucetInfo(): Promise<FaucetInfoResponse> {
    return this.get('/api/v1/faucet', FaucetInfoResponse, 'session');
  }

  /** Takes the demo faucet's balance (once per hour: 429 FAUCET_USED after). */
  async takeFaucet(): Promise<void> {
    await this.send('POST', '/api/v1/faucet', {}, FaucetResponse);
  }

  async apiKeys(): Promise<ApiKeyInfo[]> {
    return (await this.get('/api/v1/api-keys', ApiKeysResponse, 'session')).api_keys;
  }

  async createApiKey(label: string, scopes: ApiKeyScope[]): Promise<CreatedApiKey> {
    return this.send('POST', '/api/v1/api-keys', { label, scopes }, CreatedApiKey);
  }

  async revokeApiKey(apiKey: string): Promise<void> {
    await this.send('DELETE', `/api/v1/api-keys/${enc(apiKey)}`, undefined, undefined);
  }

  /** `announce401`: a 401 tells the page its session ended (not for the "am I signed in" probe). */
  private get<S extends z.ZodType>(path: string, schema: S, auth: Auth = 'public', announce401 = true): Promise<z.infer<S>> {
    return this.request(path, { method: 'GET' }, schema, auth, announce401);
  }

  /** Account actions: always with the session; `schema` undefined for an empty (204) answer. */
  private send<S extends z.ZodType>(method: 'POST' | 'DELETE', path: string, body: unknown, schema: S | undefined): Promise<z.infer<S>> {
    const init: RequestInit = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return this.request(path, init, schema, 'session', !path.startsWith('/api/v1/auth/'));
  }

  private async request<S extends z.ZodType>(path: string, init: RequestInit, schema: S | undefined, auth: Auth, announce401: boolean): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { ...init, cache: 'no-store', credentials: auth === 'session' ? 'include' : 'omit' });
    } catch (e) {
      throw new ApiError(0, 'NETWORK_ERROR', `The exchange cannot be reached (${(e as Error).message})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', `Unreadable answer from the exchange (HTTP ${res.status})`);
    }
    if (!res.ok) {
      if (res.status === 401 && announce401) for (const l of this.sessionEndListeners) l();
      const err = ErrorBody.safeParse(json);
      if (err.success) throw new ApiError(res.status, err.data.error, err.data.message);
      throw new ApiError(res.status, 'HTTP_' + res.status, `The exchange answered HTTP ${res.status}`);
    }
    if (schema === undefined) return undefined as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(res.status, 'BAD_RESPONSE', `Unexpected answer from ${path.split('?')[0]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
