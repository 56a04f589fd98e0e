import type Redis from 'ioredis';
import { createLogger, waitFor } from '@xtrader/platform';
import { FIELDS, MarketMessage, symbolKeys, type Execution, type SymbolKeys, type TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../src/core';
import { MarketData } from '../../src/marketdata';
import { SymbolRunner } from '../../src/runner';
import { BTC, commit, scenario, useRedis } from './helpers';

const r = useRedis();
const log = createLogger('test', 'silent');

/** Appends commands with ids carrying their (made-up) times, as if appended at those times. */
async function append(redis: Redis, keys: SymbolKeys, cmds: TimedCommand[], last: { ms: number; seq: number }): Promise<string> {
  let id = '';
  const p = redis.pipeline();
  for (const { ts, ...cmd } of cmds) {
    last.seq = ts === last.ms ? last.seq + 1 : 0;
    last.ms = ts;
    id = `${ts}-${last.seq}`;
    p.xadd(keys.commands, id, FIELDS.command, JSON.stringify(cmd));
  }
  await p.exec();
  return id;
}

async function caughtUp(redis: Redis, keys: SymbolKeys, id: string): Promise<void> {
  await waitFor(`the engine to reach ${id}`, async () => (await redis.get(keys.position)) === id, { timeoutMs: 30_000, intervalMs: 20 });
}

function runner(engineId: string, url: string, prefix: string): SymbolRunner {
  return new SymbolRunner({ spec: BTC, redisUrl: url, prefix, engineId, log, leaseMs: 1500, blockMs: 50, batchSize: 16, snapshotEvery: 37, snapshotMs: 3_600_000, trimCommands: false, feedMaxLen: 1_000_000 });
}

describe('engine restart through the runner', () => {
  test('an engine restarted from an older snapshot continues the market data exactly: same trades, candles, statistics, book, and an unbroken feed', async () => {
    const redis = r.redis();
    const prefix = r.prefix();
    const keys = symbolKeys('BTC-KRW', prefix);
    const url = r.url();
    const cmds = scenario(7, 160).flat();
    const half = Math.floor(cmds.length / 2);
    const last = { ms: 0, seq: 0 };

    const first = runner('engine-a', url, prefix);
    void first.start();
    await first.whenLeader();
    const mid = await append(redis, keys, cmds.slice(0, half), last);
    await caughtUp(redis, keys, mid);
    await first.stop();
    const snap = JSON.parse((await redis.get(keys.snapshot))!) as { position: string };
    expect(snap.position < mid).toBe(true); // the restart has commands to replay after the snapshot

    const second = runner('engine-b', url, prefix);
    void second.start();
    await second.whenLeader();
    const end = await append(redis, keys, cmds.slice(half), last);
    await caughtUp(redis, keys, end);
    await second.stop();

    // The same commands through a fresh core and market data, offline, one batch per command.
    const offlineKeys = symbolKeys('BTC-KRW', `${prefix}-offline`);
    const core = new MatchingCore(BTC);
    const md = new MarketData(BTC);
    const offline: MarketMessage[] = [];
    for (const [id, fields] of await redis.xrange(keys.commands, '-', '+')) {
      const cmd = { ...JSON.parse(fields[1]), ts: Number(id.split('-')[0]) } as TimedCommand;
      md.advance(cmd.ts);
      for (const e of core.apply(cmd)) md.apply(e);
      offline.push(...(await commit(md, redis, offlineKeys)));
    }

    // Trades and candles do not depend on how commands were batched: equal to the byte.
    expect(await redis.lrange(keys.trades, 0, -1)).toEqual(await redis.lrange(offlineKeys.trades, 0, -1));
    for (const i of ['1m', '5m', '15m', '30m', '1h', '4h', '1d']) {
      expect(await redis.zrange(keys.candles(i), '0', '-1')).toEqual(await redis.zrange(offlineKeys.candles(i), '0', '-1'));
    }
    // Statistics and book figures too (their timestamp/sequence are those of the batch's end).
    const figures = (json: string | null) => {
      const { timestamp: _t, sequence: _s, ...rest } = JSON.parse(json!);
      return rest;
    };
    expect(figures(await redis.get(keys.stats))).toEqual(figures(await redis.get(offlineKeys.stats)));
    expect(figures(await redis.get(keys.depth))).toEqual(figures(await redis.get(offlineKeys.depth)));

    // The feed across the restart: every execution and candle close once, and each topic's
    // prev_sequence chain unbroken (a client would see no gap and no repeat).
    const feed = (await redis.xrange(keys.feed, '-', '+')).map(([, f]) => MarketMessage.parse(JSON.parse(f[1])));
    const execs = (ms: MarketMessage[]) => ms.filter((m): m is Execution => m.type === 'Execution');
    expect(execs(feed).length).toBeGreaterThan(50);
    expect(execs(feed)).toEqual(execs(offline));
    const closes = (ms: MarketMessage[]) => ms.flatMap((m) => (m.type === 'CandlestickUpdate' && m.is_closed ? [[m.interval, m.candle, m.sequence]] : []));
    expect(closes(feed)).toEqual(closes(offline));
    const lastOnTopic = new Map<string, number>();
    for (const m of feed) {
      const topic = m.type === 'CandlestickUpdate' ? `${m.type}:${m.interval}` : m.type;
      expect([topic, m.prev_sequence]).toEqual([topic, lastOnTopic.get(topic) ?? 0]);
      lastOnTopic.set(topic, m.sequence!);
    }
  });
});
