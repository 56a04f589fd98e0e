import Redis from 'ioredis';
import { RedisServer } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { symbolKeys, type BookEvent, type EngineEvent, type MarketMessage, type MarketSpec, type Side, type SymbolKeys, type TimedCommand, type TradeEvent } from '@xtrader/protocol';
import { MarketData } from '../../src/marketdata';
import { EngineScripts, writeMarketData } from '../../src/runner';

export const markets = loadMarketMap();
/** BTC-KRW: tick 1000 KRW, lot 0.0001 BTC, fees in 0.01 KRW. */
export const BTC: MarketSpec = markets.get('BTC-KRW')!;

/** A real redis-server for the suite, and a fresh key prefix per test. */
export function useRedis(): { redis: () => Redis; url: () => string; keys: (symbol?: string) => SymbolKeys; prefix: () => string } {
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
  return { redis: () => client, url: () => server.url, keys: (symbol = 'BTC-KRW') => symbolKeys(symbol, prefix), prefix: () => prefix };
}

/** Runs one engine batch: commit the market-data writes and return the feed messages. */
export async function commit(md: MarketData, redis: Redis, keys: SymbolKeys): Promise<MarketMessage[]> {
  const scripts = new EngineScripts(redis);
  const changes = md.takeChanges();
  const tx = scripts.multi();
  writeMarketData(tx, scripts, keys, changes);
  const res = await tx.exec();
  for (const [err] of res ?? []) if (err) throw err;
  return changes.messages;
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

/** A deterministic pseudo-random stream of commands in batches: orders, cancels, clock ticks and long idle gaps. */
export function scenario(seed: number, batches: number, T0 = Date.UTC(2026, 0, 5, 23, 50)): TimedCommand[][] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  let ts = T0;
  let n = 0;
  const live: string[] = [];
  const out: TimedCommand[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: TimedCommand[] = [];
    const size = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < size; i++) {
      const gap = rnd();
      ts += gap < 0.006 ? Math.floor(rnd() * 30 * 3_600_000) : gap < 0.2 ? Math.floor(rnd() * 400_000) : Math.floor(rnd() * 3000);
      const k = rnd();
      if (k < 0.1) batch.push({ v: 1, kind: 'clock', ts });
      else if (k < 0.25 && live.length > 0) {
        const id = live.splice(Math.floor(rnd() * live.length), 1)[0];
        batch.push({ v: 1, kind: 'cancel', order_id: id, request_id: `r${n++}`, ts });
      } else {
        const id = `o${n++}`;
        live.push(id);
        const market = rnd() < 0.1;
        batch.push({
          v: 1,
          kind: 'place',
          order_id: id,
          side: rnd() < 0.5 ? 'Buy' : 'Sell',
          type: market ? 'Market' : 'Limit',
          tif: market ? 'IOC' : 'GTC',
          price_ticks: market ? null : 50_000 + Math.floor(rnd() * 40) - 20,
          qty_lots: 1 + Math.floor(rnd() * 20_000),
          ts,
        });
      }
    }
    out.push(batch);
  }
  return out;
}

