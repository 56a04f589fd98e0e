import type Redis from 'ioredis';
import { Trade, type MarketMessage, type SymbolKeys, type TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../src/core';
import { MarketData, MAX_CANDLES, MAX_TRADES, type MarketDataState } from '../../src/marketdata';
import { BTC, Events, commit, scenario, useRedis } from './helpers';

const r = useRedis();

interface Engine {
  core: MatchingCore;
  md: MarketData;
}
async function run(e: Engine, batches: TimedCommand[][], redis: Redis, keys: SymbolKeys): Promise<MarketMessage[]> {
  const msgs: MarketMessage[] = [];
  for (const batch of batches) {
    for (const cmd of batch) {
      e.md.advance(cmd.ts);
      for (const ev of e.core.apply(cmd)) e.md.apply(ev);
    }
    msgs.push(...(await commit(e.md, redis, keys)));
  }
  return msgs;
}

/** Everything a REST reader could see. */
async function dump(redis: Redis, keys: SymbolKeys) {
  const candles: Record<string, string[]> = {};
  for (const i of ['1m', '5m', '15m', '30m', '1h', '4h', '1d']) candles[i] = await redis.zrange(keys.candles(i), '0', '-1');
  return { trades: await redis.lrange(keys.trades, 0, -1), stats: await redis.get(keys.stats), depth: await redis.get(keys.depth), candles };
}

const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** Same JSON text; on a difference, shows where (deep equality of ~20k items is slow in jest). */
function expectSameJson(got: unknown, want: unknown): void {
  const a = JSON.stringify(got);
  const b = JSON.stringify(want);
  if (a === b) return;
  let i = 0;
  while (a[i] === b[i]) i++;
  expect(a.slice(Math.max(0, i - 200), i + 200)).toBe(b.slice(Math.max(0, i - 200), i + 200));
}

describe('restart', () => {
  const batches = scenario(42, 250);
  const cut = 150;

  test('restoring a snapshot and replaying the rest gives identical messages and identical stored market data', async () => {
    const redis = r.redis();
    const straightKeys = r.keys();
    const straight: Engine = { core: new MatchingCore(BTC), md: new MarketData(BTC) };
    const all = await run(straight, batches, redis, straightKeys);

    const restartedKeys = { ...r.keys(), ...symbolKeysWith(r.keys(), 'restarted') };
    const before: Engine = { core: new MatchingCore(BTC), md: new MarketData(BTC) };
    const head = await run(before, batches.slice(0, cut), redis, restartedKeys);
    const state = roundTrip(before.md.snapshot()) as MarketDataState;
    const after: Engine = { core: MatchingCore.restore(BTC, roundTrip(before.core.snapshot())), md: new MarketData(BTC, state) };
    const tail = await run(after, batches.slice(cut), redis, restartedKeys);

    expect(all.filter((m) => m.type === 'Execution').length).toBeGreaterThan(100);
    expect(all.filter((m) => m.type === 'CandlestickUpdate' && m.is_closed && m.candle.trade_count === 0).length).toBeGreaterThan(10);
    expect([...head, ...tail].length).toBe(all.length);
    expectSameJson([...head, ...tail], all);
    expectSameJson(await dump(redis, restartedKeys), await dump(redis, straightKeys));
    expectSameJson(after.md.snapshot(), straight.md.snapshot());
  });

  test('an engine that restarts from an older snapshot and re-commits batches adds no duplicate trade', async () => {
    const redis = r.redis();
    const keys = r.keys();
    const straight: Engine = { core: new MatchingCore(BTC), md: new MarketData(BTC) };
    await run(straight, batches, redis, keys);
    const expected = await dump(redis, keys);

    const replayKeys = symbolKeysWith(r.keys(), 'replay');
    const e: Engine = { core: new MatchingCore(BTC), md: new MarketData(BTC) };
    await run(e, batches.slice(0, 60), redis, replayKeys);
    const snap = { core: roundTrip(e.core.snapshot()), md: roundTrip(e.md.snapshot()) };
    await run(e, batches.slice(60, 120), redis, replayKeys); // committed, then the engine dies
    const again: Engine = { core: MatchingCore.restore(BTC, snap.core), md: new MarketData(BTC, snap.md) };
    await run(again, batches.slice(60), redis, replayKeys);
    const got = await dump(redis, replayKeys);
    expectSameJson(got, expected);
    const trades = got.trades.map((t) => Trade.parse(JSON.parse(t)));
    expect(trades.length).toBeLessThanOrEqual(MAX_TRADES);
    expect(new Set(trades.map((t) => t.exec_id)).size).toBe(trades.length);
    // Newest first.
    for (let i = 1; i < trades.length; i++) expect(trades[i - 1].sequence).toBeGreaterThan(trades[i].sequence);
  });
});

/** The same keys under another prefix segment, so two runs share one Redis without mixing. */
function symbolKeysWith(keys: SymbolKeys, tag: string): SymbolKeys {
  const swap = (k: string) => k.replace(':{', `-${tag}:{`);
  return {
    ...keys,
    trades: swap(keys.trades),
    stats: swap(keys.stats),
    depth: swap(keys.depth),
    candles: (i: string) => swap(keys.candles(i)),
  };
}

describe('a long batch without a flush', () => {
  test('keeps every feed message, holds bounded trades and still writes exactly the newest trades', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    const T = Date.UTC(2026, 0, 6);
    // More than the 200,000 pending messages an earlier version kept before it dropped the oldest.
    const n = 205_000;
    for (let i = 0; i < n; i++) md.apply(ev.trade(T + i * 10, 50_000 + (i % 7), 1 + (i % 3)));
    const pending = md.snapshot().pending;
    // A sweep through thousands of orders is one batch: none of its Executions may be dropped.
    expect(pending.messages.filter((m) => m.type === 'Execution')).toHaveLength(n);
    expect(pending.trades.length).toBeLessThanOrEqual(2 * MAX_TRADES);
    expect(pending.closed['1m']!.length).toBeLessThanOrEqual(2 * MAX_CANDLES);
    await commit(md, r.redis(), r.keys());
    const trades = (await r.redis().lrange(r.keys().trades, 0, -1)).map((t) => Trade.parse(JSON.parse(t)));
    expect(trades).toHaveLength(MAX_TRADES);
    expect(trades[0].sequence).toBe(n);
    expect(trades[MAX_TRADES - 1].sequence).toBe(n - MAX_TRADES + 1);
  });
});
