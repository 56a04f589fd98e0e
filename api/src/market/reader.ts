import type { RedisClient } from '@xtrader/platform';
import {
  emptyStatistics,
  symbolKeys,
  XtError,
  type Interval,
  type MarketSpec,
  type MarketStatistics,
  type OrderBookSnapshot,
} from '@xtrader/protocol';

/**
 * Reads the market data the symbol's engine keeps in Redis (formats: docs/protocol.md §2).
 * Every read is one plain command, so any api node answers and none keeps state. Stored items
 * are the engine's own JSON; lists are spliced into the answer as they are, not re-encoded.
 */
export class MarketReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The top `depth` levels a side; an empty book (sequence 0) before the engine wrote one. */
  async orderbook(spec: MarketSpec, depth: number): Promise<OrderBookSnapshot> {
    const raw = await this.read(() => this.redis.get(this.keys(spec).depth));
    if (!raw) return { symbol: spec.symbol, bids: [], asks: [], timestamp: Date.now(), sequence: 0 };
    const book = JSON.parse(raw) as OrderBookSnapshot;
    return { ...book, bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };
  }

  /**
   * Candles as JSON texts, oldest first. With `start`: the first `limit` candles opening at or
   * after it (and at or before `end`); otherwise the last `limit` opening at or before `end` (or now).
   */
  async candles(spec: MarketSpec, interval: Interval, limit: number, start?: number, end?: number): Promise<string[]> {
    const key = this.keys(spec).candles(interval);
    const max = end === undefined ? '+inf' : String(end);
    if (start !== undefined) return this.read(() => this.redis.zrangebyscore(key, String(start), max, 'LIMIT', 0, limit));
    const newestFirst = await this.read(() => this.redis.zrevrangebyscore(key, max, '-inf', 'LIMIT', 0, limit));
    return newestFirst.reverse();
  }

  /** The most recent trades as JSON texts, newest first. */
  async trades(spec: MarketSpec, limit: number): Promise<string[]> {
    return this.read(() => this.redis.lrange(this.keys(spec).trades, 0, limit - 1));
  }

  /** The 24h statistics; empty figures (null prices) before the first trade. */
  async statistics(spec: MarketSpec): Promise<MarketStatistics> {
    const raw = await this.read(() => this.redis.get(this.keys(spec).stats));
    return raw ? (JSON.parse(raw) as MarketStatistics) : emptyStatistics(spec.symbol, Date.now());
  }

  private keys(spec: MarketSpec) {
    return symbolKeys(spec.symbol, this.prefix);
  }

  private async read<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw new XtError('SERVICE_UNAVAILABLE', `market data is unavailable (${(e as Error).message}); retry`);
    }
  }
}
