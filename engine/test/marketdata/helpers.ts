import Redis from 'ioredis';
import { RedisServer } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { symbolKeys, type BookEvent, type EngineEvent, type MarketMessage, type MarketSpec, type Side, type SymbolKeys, type TradeEvent } from '@xtrader/protocol';
import { MarketData } from '../../src/marketdata';

export const markets = loadMarketMap();
/** BTC-KRW: tick 1000 KRW, lot 0.0001 BTC, fees in 0.01 KRW. */
export const BTC: MarketSpec = markets.get('BTC-KRW')!;

/** A real redis-server for the suite, and a fresh key prefix per test. */
export function useRedis(): { redis: () => Redis; keys: (symbol?: string) => SymbolKeys; prefix: () => string } {
  let server: RedisServer;
  let client: Redis;
  let prefix = '';
  beforeAll(async () => {
    server = await RedisServer.launch();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    prefix = `t-${Math.random().toString(36).slice(2, 10)}`;
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.destroy();
  });
  return { redis: () => client, keys: (symbol = 'BTC-KRW') => symbolKeys(symbol, prefix), prefix: () => prefix };
}

/** Runs one engine batch: commit the market-data writes and return the feed messages. */
export async function commit(md: MarketData, redis: Redis, keys: SymbolKeys): Promise<MarketMessage[]> {
  const tx = redis.multi();
  const msgs = md.flush(tx, keys);
  const res = await tx.exec();
  for (const [err] of res ?? []) if (err) throw err;
  return msgs;
}

/** Builds hand-written engine events with increasing seq. */
export class Events {
  seq = 0;
  trade(ts: number, priceTicks: number, lots: number, takerSide: Side = 'Buy', extra: Partial<TradeEvent> = {}): TradeEvent {
    const seq = ++this.seq;
    return {
      v: 1,
      seq,
      ts,
      kind: 'trade',
      trade_id: `BTC-KRW-${seq}`,
      taker_order_id: `taker-${seq}`,
      maker_order_id: `maker-${seq}`,
      taker_side: takerSide,
      price_ticks: priceTicks,
      qty_lots: lots,
      taker_fee: 10,
      maker_fee: 5,
      taker_remaining_lots: 0,
      maker_remaining_lots: 0,
      ...extra,
    };
  }
  book(ts: number, side: Side, priceTicks: number, lots: number): BookEvent {
    return { v: 1, seq: ++this.seq, ts, kind: 'book', side, price_ticks: priceTicks, qty_lots: lots };
  }
}

/** Applies one "command": advance to its time, then its events. */
export function command(md: MarketData, ts: number, events: EngineEvent[] = []): void {
  md.advance(ts);
  for (const e of events) md.apply(e);
}

export async function storedCandles(redis: Redis, keys: SymbolKeys, interval: string): Promise<unknown[]> {
  return (await redis.zrange(keys.candles(interval), "0", "-1")).map((s) => JSON.parse(s));
}
