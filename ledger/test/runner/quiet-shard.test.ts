/**
 * A shard whose accounts an engine batch does not touch has nothing to write for it: its writer
 * reads on without a commit (no fsync, no private message), and still says on its answers channel
 * that it applied the batch, so a request waiting for that shard is answered at once. The
 * positions it read past ride with its next commit; a new holder that starts from the older ones
 * reads those events again, which changes nothing.
 */
import type Redis from 'ioredis';
import { createLogger, type RedisServer, waitFor } from '@xtrader/platform';
import { accountShard, encodeEvent, parseAssetAmount, FIELDS, LEDGER_POSITIONS, symbolKeys, type EngineEvent, type LedgerApplied, type PlaceCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../../engine/src/core';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
let server: RedisServer;
let redis: Redis;
let sub: Redis;
const SYMBOL = 'BTC-KRW';
const btcKeys = symbolKeys(SYMBOL, prefix);
const log = createLogger('ledger-test', 'silent');
const writers: ShardWriter[] = [];
const applied: LedgerApplied['positions'][] = [];
let n = 0;
const krw = (t: string) => parseAssetAmount(config.assets.get('KRW')!, t);

/** Accounts of shard 0 and of shard 1 when there are two shards. */
const accountOf = (s: number, tag: string) => Array.from({ length: 100 }, (_, i) => `${tag}${i}`).find((a) => accountShard(a, 2) === s)!;
const mine = accountOf(0, 'own');
const seller = accountOf(1, 'sell');
const buyer = accountOf(1, 'buy');

function writer(id: string): ShardWriter {
  // A long lease: within a third of it the writer commits only what changes its accounts.
  const w = new ShardWriter({ redisUrl: server.url, prefix, shard: 0, shardCount: 2, writerId: id, config, log, leaseMs: 60_000 });
  writers.push(w);
  w.start();
  return w;
}

const core = new MatchingCore(config.markets.find((m) => m.symbol === SYMBOL)!);
let ts = 1_700_000_000_000;
const limit = (id: string, account: string, side: 'Buy' | 'Sell'): PlaceCommand => ({ v: 1, kind: 'place', order_id: id, account_id: account, side, type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 100 });

/** Commits one engine batch of events (as the engine does) and returns its last seq. */
async function commitEvents(events: EngineEvent[]): Promise<number> {
  const row = JSON.stringify([`${++n}-0`, ...events.map(encodeEvent)]);
  await redis.xadd(btcKeys.events, '*', FIELDS.first, `${n}-0`, FIELDS.last, `${n}-0`, FIELDS.events, `[${row}]`);
  return events[events.length - 1]!.seq;
}

const committedEventsPosition = () => redis.hget(keys.positions, LEDGER_POSITIONS.events(SYMBOL));
const appliedThrough = (seq: number) => applied.some((positions) => positions.some((p) => p.symbol === SYMBOL && p.seq >= seq));

beforeAll(async () => {
  await shard.start();
  ({ server, redis } = shard);
  sub = server.client();
  await sub.subscribe(keys.answers);
  sub.on('message', (_channel, message) => {
    const m = JSON.parse(message) as { kind?: string; positions?: LedgerApplied['positions'] };
    if (m.kind === 'applied') applied.push(m.positions!);
  });
});
afterAll(async () => {
  for (const w of writers) await w.stop();
  sub.disconnect();
  await shard.stop();
});

test("events of other shards' accounts are applied without a commit, announced, and committed with the next change", async () => {
  const first = writer('q1');
  expect(await shard.ask({ kind: 'transfer', request_id: 'r1', transfer: deposit('d1', mine, 'KRW', '1000') })).toMatchObject({ ok: true });
  const before = await committedEventsPosition();

  // A trade between two accounts of shard 1: nothing of shard 0 changes.
  await commitEvents(core.apply({ ...limit('s1', seller, 'Sell'), ts: ++ts }));
  const last = await commitEvents(core.apply({ ...limit('b1', buyer, 'Buy'), ts: ++ts }));
  await waitFor('shard 0 to announce it applied the trade', () => appliedThrough(last), { intervalMs: 10 });
  expect(await committedEventsPosition()).toBe(before);

  // The next change of the shard's own commits the positions read past with it.
  expect(await shard.ask({ kind: 'transfer', request_id: 'r2', transfer: deposit('d2', mine, 'KRW', '1') })).toMatchObject({ ok: true, available: krw('1001').toString() });
  const [lastEntry] = (await redis.xrevrange(btcKeys.events, '+', '-', 'COUNT', 1))[0]!;
  expect(await committedEventsPosition()).toBe(lastEntry);
  await first.stop();

  // A new holder starting from the positions committed carries on with the same balance.
  writer('q2');
  expect(await shard.ask({ kind: 'transfer', request_id: 'r3', transfer: deposit('d3', mine, 'KRW', '1') })).toMatchObject({ ok: true, available: krw('1002').toString() });
  expect(writers.every((w) => w.failure === undefined)).toBe(true);
});
