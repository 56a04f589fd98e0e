import {
  ErrorBody,
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
 * The REST API of the exchange (SPEC §3), each answer checked against the shared schemas so a
 * contract drift shows as a readable error instead of a blank widget.
 */
export class ExchangeApi {
  constructor(private readonly baseUrl: string) {}

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
    return this.get(`/api/v1/order/${enc(orderId)}`, OrderView);
  }

  async placeOrder(body: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
    return this.send('/api/v1/order', body, PlaceOrderAccepted);
  }

  async cancelOrder(orderId: string): Promise<OrderView> {
    return this.send('/api/v1/order/cancel', { order_id: orderId }, OrderView);
  }

  private get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.request(path, { method: 'GET' }, schema);
  }

  private send<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, schema);
  }

  private async request<S extends z.ZodType>(path: string, init: RequestInit, schema: S): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, { ...init, cache: 'no-store' });
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
      const err = ErrorBody.safeParse(json);
      if (err.success) throw new ApiError(res.status, err.data.error, err.data.message);
      throw new ApiError(res.status, 'HTTP_' + res.status, `The exchange answered HTTP ${res.status}`);
    }
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
