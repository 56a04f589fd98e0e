/**
 * Crash drill: two ledger writer processes for one shard; the leader is killed with SIGKILL at
 * random moments (and restarted) while deposits, locks and the engine's events of the orders
 * flow. Afterwards every request was answered, and the shard's balances, holds and fees equal a
 * fault-free ledger fed the same inputs: nothing lost, nothing applied twice, every asset
 * conserved, every trade leg settled exactly once (the count the writer commits with it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { type RedisServer, seededRandom, waitFor } from '@xtrader/platform';
import {
  decodeBalance,
  encodeEvent,
  FIELDS,
  LEDGER_POSITIONS,
  symbolKeys,
  type EngineEvent,
  type LedgerRequest,
  type PlaceCommand,
} from '@xtrader/protocol';
import { MatchingCore } from '../../../engine/src/core';
import { Ledger } from '../../src/core';
import { config, deposit, lockOf } from '../core/harness';
import { ShardRedis } from './shard-redis';

const ORDERS = 600;
const ACCOUNTS = 20;
const MAIN = join(__dirname, '../../src/main.ts');

const shard = new ShardRedis();
const { prefix, keys } = shard;
let server: RedisServer;
let redis: Redis;
const events = symbolKeys('BTC-KRW', prefix).events;
const procs = new Map<string, ChildProcess>();

function startWriter(id: string): void {
  // `node --import tsx`: one process, so SIGKILL hits the writer itself.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, REDIS_URL: server.url, XT_PREFIX: prefix, XT_LEDGER_SHARDS: '1', LEDGER_WRITER_ID: id, LEDGER_LEASE_MS: '600', LEDGER_RECORD_SETTLEMENTS: 'on', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  procs.set(id, child);
}

beforeAll(async () => {
  await shard.start();
  ({ server, redis } = shard);
});
afterAll(async () => {
  for (const p of procs.values()) p.kill('SIGKILL');
  await shard.stop();
});

test('kill -9 the leading ledger writer at random moments: every request answered once, balances equal a fault-free ledger', async () => {
  startWriter('a');
  startWriter('b');
  const random = seededRandom(7);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const core = new MatchingCore(config.markets.find((m) => m.symbol === 'BTC-KRW')!);
  const reference = new Ledger(config);
  let ts = 1_700_000_000_000;
  let n = 0;
  let kills = 0;
  const settled: string[] = [];

  const ask = (req: LedgerRequest) => shard.ask(req, 30_000);
  const commit = async (out: EngineEvent[]) => {
    const row = JSON.stringify([`${++n}-0`, ...out.map(encodeEvent)]);
    await redis.xadd(events, '*', FIELDS.first, `${n}-0`, FIELDS.last, `${n}-0`, FIELDS.events, `[${row}]`);
    reference.applyEvents('BTC-KRW', out);
    settled.push(...reference.takeChanges().settled);
  };
  const killLeader = async () => {
    const holder = await redis.get(keys.lease);
    const id = holder?.split(':')[1];
    const p = id ? procs.get(id) : undefined;
    if (!p) return;
    p.kill('SIGKILL');
    kills++;
    startWriter(id!);
  };

  for (let a = 0; a < ACCOUNTS; a++) {
    for (const [asset, amount] of [['KRW', '100000000'], ['BTC', '10']] as const) {
      const t = deposit(`d-${a}-${asset}`, `acct-${a}`, asset, amount);
      expect(await ask({ kind: 'transfer', request_id: `rq-${t.tx_id}`, transfer: t })).toMatchObject({ ok: true });
      reference.transfer(t);
    }
  }
  for (let i = 0; i < ORDERS; i++) {
    const account = `acct-${int(0, ACCOUNTS - 1)}`;
    const side = random() < 0.5 ? 'Buy' : 'Sell';
    const place: PlaceCommand = { v: 1, kind: 'place', order_id: `o${i}`, side, type: 'Limit', tif: random() < 0.8 ? 'GTC' : 'IOC', price_ticks: 1000 + int(-5, 5), qty_lots: int(1, 20) };
    const lock = lockOf(account, 'BTC-KRW', place);
    // Now and then a retry of an earlier request (its api node gave up waiting): the first answer again.
    if (random() < 0.05) {
      const again = await ask({ kind: 'transfer', request_id: `retry-${i}`, transfer: deposit(`d-0-KRW`, 'acct-0', 'KRW', '100000000') });
      expect(again).toMatchObject({ ok: true, available: (100_000_000n * 100n).toString() });
    }
    const answer = await ask({ kind: 'lock', request_id: `rq-${i}`, lock, place });
    expect({ order: i, ok: answer.ok }).toEqual({ order: i, ok: reference.lock(lock).ok });
    if (answer.ok) await commit(core.apply({ ...place, ts: ++ts }));
    if (random() < 0.15) {
      const resting = core.snapshot();
      const ids = [...resting.bids, ...resting.asks].flatMap(([, orders]) => orders.map(([id]) => id));
      if (ids.length > 0) await commit(core.apply({ v: 1, kind: 'cancel', order_id: ids[int(0, ids.length - 1)], request_id: `c${i}`, ts: ++ts }));
    }
    if (i % 60 === 30) await killLeader();
  }
  expect(kills).toBeGreaterThanOrEqual(8);

  // Every event read and applied: the shard's stored state equals the fault-free ledger's.
  const lastEvent = (await redis.xrevrange(events, '+', '-', 'COUNT', 1))[0][0];
  await waitFor('the writer to catch up', async () => (await redis.hget(keys.positions, LEDGER_POSITIONS.events('BTC-KRW'))) === lastEvent, { timeoutMs: 30_000 });
  const stored = await redis.hgetall(keys.balances);
  const got = Object.entries(stored)
    .map(([f, v]) => decodeBalance(f, v))
    .filter((b) => b.available !== 0n || b.locked !== 0n)
    .map((b) => `${b.account_id} ${b.asset} ${b.available} ${b.locked}`)
    .sort();
  const want = reference
    .state()
    .balances.filter((b) => b.available !== 0n || b.locked !== 0n)
    .map((b) => `${b.account_id} ${b.asset} ${b.available} ${b.locked}`)
    .sort();
  expect(got).toEqual(want);
  expect(await redis.hlen(keys.holds)).toBe(reference.openHolds);
  expect(await redis.hget(keys.fees, 'KRW')).toBe((reference.fees().get('KRW') ?? 0n).toString());
  // Every trade leg was settled once: the count committed with each settlement is 1, for exactly the legs of the fault-free ledger.
  const counted = await redis.hgetall(keys.settlements);
  expect(settled.length).toBeGreaterThan(100);
  expect(Object.entries(counted).filter(([, n]) => n !== '1')).toEqual([]);
  expect(Object.keys(counted).sort()).toEqual([...settled].sort());
  // Conservation: deposits are all there is.
  for (const asset of ['KRW', 'BTC']) {
    const held = Object.entries(stored)
      .map(([f, v]) => decodeBalance(f, v))
      .filter((b) => b.asset === asset)
      .reduce((s, b) => s + b.available + b.locked, 0n);
    const fees = BigInt((await redis.hget(keys.fees, asset)) ?? '0');
    const deposited = asset === 'KRW' ? 100_000_000n * 100n * BigInt(ACCOUNTS) : 10n * 10n ** 8n * BigInt(ACCOUNTS);
    expect({ asset, total: held + fees }).toEqual({ asset, total: deposited });
  }
});
