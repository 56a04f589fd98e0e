import { Candle, CandlestickUpdate, MarketMessage, INTERVALS, INTERVAL_MS, type Interval } from '@xtrader/protocol';
import { MarketData, MAX_CANDLES } from '../../src/marketdata';
import { BTC, Events, command, commit, storedCandles, useRedis } from './helpers';

const r = useRedis();
/** A UTC day boundary, so every interval is aligned at T0. */
const T0 = Date.UTC(2026, 0, 5);
/** Price in KRW of `n` ticks (BTC-KRW tick = 1000 KRW). */
const M = (n: number) => n * 1000;

function closes(msgs: unknown[], interval: Interval): CandlestickUpdate[] {
  return (msgs as CandlestickUpdate[]).filter((m) => m.type === 'CandlestickUpdate' && m.interval === interval && m.is_closed);
}

describe('candles', () => {
  test('before the first trade there is nothing to carry: no candles, no messages', async () => {
    const md = new MarketData(BTC);
    command(md, T0);
    command(md, T0 + 3 * INTERVAL_MS['1d']);
    const msgs = await commit(md, r.redis(), r.keys());
    expect(msgs).toEqual([]);
    for (const i of INTERVALS) expect(await storedCandles(r.redis(), r.keys(), i)).toEqual([]);
  });

  test.each(INTERVALS.map((i) => [i]))('%s: trades aggregate within an interval, close at its boundary, idle intervals are flat at the previous close', async (interval) => {
    const ms = INTERVAL_MS[interval];
    const md = new MarketData(BTC);
    const ev = new Events();
    const redis = r.redis();
    const keys = r.keys();
    // Interval 0: three trades (open 50,000,000, high 50,100,000, low 49,900,000, close 50,050,000).
    command(md, T0 + 1, [ev.trade(T0 + 1, 50_000, 5000)]);
    command(md, T0 + ms / 2, [ev.trade(T0 + ms / 2, 50_100, 2500, 'Sell')]);
    command(md, T0 + ms - 2, [ev.trade(T0 + ms - 2, 49_900, 1)]);
    command(md, T0 + ms - 1, [ev.trade(T0 + ms - 1, 50_050, 2)]);
    const first = await commit(md, redis, keys);
    const open = (first as CandlestickUpdate[]).filter((m) => m.type === 'CandlestickUpdate' && m.interval === interval);
    expect(open).toHaveLength(1);
    expect(open[0].is_closed).toBe(false);
    expect(open[0].candle).toMatchObject({ open_time: T0, close_time: T0 + ms - 1, open: M(50_000), high: M(50_100), low: M(49_900), close: M(50_050), volume: 0.7503, trade_count: 4 });

    // Intervals 1 and 2 pass with no trade; a clock command in interval 3 closes 0, 1 and 2.
    command(md, T0 + 3 * ms + 5);
    const later = await commit(md, redis, keys);
    const closed = closes(later, interval);
    expect(closed.map((m) => m.candle.open_time)).toEqual([T0, T0 + ms, T0 + 2 * ms]);
    expect(closed[0].candle).toMatchObject({ open: M(50_000), high: M(50_100), low: M(49_900), close: M(50_050), volume: 0.7503, trade_count: 4 });
    for (const idle of closed.slice(1)) {
      expect(idle.candle).toMatchObject({ open: M(50_050), high: M(50_050), low: M(50_050), close: M(50_050), volume: 0, trade_count: 0 });
      expect(idle.candle.close_time).toBe(idle.candle.open_time! + ms - 1);
    }
    for (const m of later) expect(() => MarketMessage.parse(m)).not.toThrow();

    // A trade in interval 3 opens at the trade price, not at the carried close.
    command(md, T0 + 3 * ms + 10, [ev.trade(T0 + 3 * ms + 10, 51_000, 10)]);
    await commit(md, redis, keys);
    const stored = (await storedCandles(redis, keys, interval)) as Candle[];
    expect(stored.map((c) => c.open_time)).toEqual([T0, T0 + ms, T0 + 2 * ms, T0 + 3 * ms]);
    for (const c of stored) Candle.parse(c);
    expect(stored[3]).toEqual({ open_time: T0 + 3 * ms, close_time: T0 + 4 * ms - 1, open: M(51_000), high: M(51_000), low: M(51_000), close: M(51_000), volume: 0.001, trade_count: 1 });
    expect(stored[1]).toMatchObject({ volume: 0, trade_count: 0, close: M(50_050) });
  });

  test('a candle is closed exactly once, and a trade on the boundary millisecond opens the next one', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    const ms = INTERVAL_MS['1m'];
    command(md, T0 + ms - 1, [ev.trade(T0 + ms - 1, 50_000, 1)]);
    command(md, T0 + ms, [ev.trade(T0 + ms, 50_001, 1)]);
    command(md, T0 + ms + 1);
    const msgs = await commit(md, r.redis(), r.keys());
    const oneMinute = (msgs as CandlestickUpdate[]).filter((m) => m.type === 'CandlestickUpdate' && m.interval === '1m');
    expect(oneMinute.map((m) => [m.candle.open_time, m.is_closed, m.candle.close])).toEqual([
      [T0, true, M(50_000)],
      [T0 + ms, false, M(50_001)],
    ]);
  });

  test('each interval keeps its last 1,000 candles, also across an idle gap longer than that', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    command(md, T0, [ev.trade(T0, 50_000, 1)]);
    await commit(md, r.redis(), r.keys());
    const gap = 3000 * INTERVAL_MS['1m'];
    command(md, T0 + gap + 7);
    const msgs = await commit(md, r.redis(), r.keys());
    const stored = (await storedCandles(r.redis(), r.keys(), '1m')) as Candle[];
    expect(stored).toHaveLength(MAX_CANDLES);
    expect(stored[stored.length - 1].open_time).toBe(T0 + gap);
    expect(stored[0].open_time).toBe(T0 + gap - (MAX_CANDLES - 1) * INTERVAL_MS['1m']);
    // Only closes that are still stored are announced.
    expect(closes(msgs, '1m')).toHaveLength(MAX_CANDLES - 1);
    // Longer intervals were not affected by the 1m trim.
    expect(((await storedCandles(r.redis(), r.keys(), '1d')) as Candle[]).map((c) => c.open_time)).toEqual([T0, T0 + INTERVAL_MS['1d'], T0 + 2 * INTERVAL_MS['1d']]);
  });

  test('per topic, prev_sequence chains to the previous message and sequence is the last event reflected', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    const ms = INTERVAL_MS['1m'];
    command(md, T0, [ev.trade(T0, 50_000, 1)]);
    const a = await commit(md, r.redis(), r.keys());
    command(md, T0 + ms, [ev.book(T0 + ms, 'Buy', 49_000, 3)]);
    command(md, T0 + ms + 1, [ev.trade(T0 + ms + 1, 50_000, 1)]);
    const b = await commit(md, r.redis(), r.keys());
    const topic = [...a, ...b].filter((m) => m.type === 'CandlestickUpdate' && m.interval === '1m') as CandlestickUpdate[];
    expect(topic.map((m) => [m.prev_sequence, m.sequence, m.is_closed])).toEqual([
      [0, 1, false],
      [1, 1, true],
      [1, 3, false],
    ]);
  });
});
