/**
 * One ledger shard's writer on a real redis-server: transfers and locks arrive on its command
 * stream and are answered on its answers channel; a symbol's committed engine events (written
 * as the engine's commit writes them) settle trades and release ended orders; a new writer
 * carries on from the committed state and positions without applying anything twice; a second
 * writer waits for the lease.
 */
import type Redis from 'ioredis';
import { createLogger, type RedisServer, waitFor } from '@xtrader/platform';
import {
  encodeEvent,
  FIELDS,
  parseAssetAmount,
  symbolKeys,
  type EngineEvent,
  type LedgerAnswer,
  type LedgerRequest,
  type PlaceCommand,
} from '@xtrader/protocol';
import { MatchingCore } from '../../../engine/src/core';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit, lockOf } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
let server: RedisServer;
let redis: Redis;
const btcKeys = symbolKeys('BTC-KRW', prefix);
const writers: ShardWriter[] = [];
const krw = (t: string) => parseAssetAmount(config.assets.get('KRW')!, t);
const btc = (t: string) => parseAssetAmount(config.assets.get('BTC')!, t);
const log = createLogger('ledger-test', 'silent');
let n = 0;

function writer(id: string): ShardWriter {
  const w = new ShardWriter({ redisUrl: server.url, prefix, shard: 0, shardCount: 1, writerId: id, config, log, leaseMs: 1000 });
  writers.push(w);
  w.start();
  return w;
}

const ask = (req: LedgerRequest): Promise<LedgerAnswer> => shard.ask(req);

const balance = (account: string, asset: string) => shard.balance(account, asset);

/** Appends one command's events to the symbol's events stream the way the engine's commit does. */
async function commitEvents(events: EngineEvent[]): Promise<void> {
  const row = JSON.stringify([`${++n}-0`, ...events.map(encodeEvent)]);
  await redis.xadd(btcKeys.events, '*', FIELDS.first, `${n}-0`, FIELDS.last, `${n}-0`, FIELDS.events, `[${row}]`);
}

const core = new MatchingCore(config.markets.find((m) => m.symbol === 'BTC-KRW')!);
let ts = 1_700_000_000_000;
function limit(id: string, side: 'Buy' | 'Sell', priceTicks: number, lots: number): PlaceCommand {
  return { v: 1, kind: 'place', order_id: id, side, type: 'Limit', tif: 'GTC', price_ticks: priceTicks, qty_lots: lots };
}

beforeAll(async () => {
  await shard.start();
  ({ server, redis } = shard);
});
afterAll(async () => {
  for (const w of writers) await w.stop();
  await shard.stop();
});

test('deposits, locks and settlement are committed with their positions; a new writer carries on and applies nothing twice', async () => {
  const first = writer('w1');
  await waitFor('the first writer to lead', () => first.active, { intervalMs: 10 });
  const standby = writer('w2');

  expect(await ask({ kind: 'transfer', request_id: 'r1', transfer: deposit('d1', 'seller', 'BTC', '1') })).toMatchObject({ ok: true, amount: btc('1').toString() });
  expect(await ask({ kind: 'transfer', request_id: 'r2', transfer: deposit('d2', 'buyer', 'KRW', '30000000') })).toMatchObject({ ok: true });
  // The same deposit again: the first answer, nothing credited twice. Other content: 409.
  expect(await ask({ kind: 'transfer', request_id: 'r3', transfer: deposit('d2', 'buyer', 'KRW', '30000000') })).toMatchObject({ ok: true, available: krw('30000000').toString() });
  expect(await ask({ kind: 'transfer', request_id: 'r4', transfer: deposit('d2', 'buyer', 'KRW', '1') })).toMatchObject({ ok: false, code: 'TX_ID_CONFLICT' });

  const sell = limit('s1', 'Sell', 49_000, 5000);
  const buy = limit('b1', 'Buy', 50_000, 5000);
  const tooBig = limit('b2', 'Buy', 50_000, 6000);
  expect(await ask({ kind: 'lock', request_id: 'r5', lock: lockOf('seller', 'BTC-KRW', sell), place: sell })).toMatchObject({ ok: true, asset: 'BTC' });
  expect(await ask({ kind: 'lock', request_id: 'r6', lock: lockOf('buyer', 'BTC-KRW', buy), place: buy })).toMatchObject({ ok: true, asset: 'KRW', amount: krw('25025000').toString() });
  expect(await ask({ kind: 'lock', request_id: 'r7', lock: lockOf('buyer', 'BTC-KRW', tooBig), place: tooBig })).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
  expect(await balance('buyer', 'KRW')).toEqual({ available: krw('4975000'), locked: krw('25025000') });
  expect(await redis.hlen(keys.holds)).toBe(2);

  // The engine matches them and commits its events; the writer settles both legs.
  await commitEvents(core.apply({ ...sell, ts: ++ts }));
  await commitEvents(core.apply({ ...buy, ts: ++ts }));
  await waitFor('the trade to be settled', async () => (await redis.hlen(keys.holds)) === 0, { intervalMs: 20 });
  expect(await balance('buyer', 'KRW')).toEqual({ available: krw('30000000') - krw('24524500'), locked: 0n });
  expect(await balance('buyer', 'BTC')).toEqual({ available: btc('0.5'), locked: 0n });
  expect(await balance('seller', 'KRW')).toEqual({ available: krw('24487750'), locked: 0n });
  expect(await redis.hget(keys.fees, 'KRW')).toBe(krw('36750').toString());
  expect(standby.active).toBe(false);

  // The leader goes away; the standby loads the committed state and reads on from the positions.
  await first.stop();
  await waitFor('the standby to lead', () => standby.active, { intervalMs: 10 });
  expect(await ask({ kind: 'transfer', request_id: 'r8', transfer: deposit('d3', 'buyer', 'KRW', '1') })).toMatchObject({ ok: true, available: (krw('30000000') - krw('24524500') + krw('1')).toString() });
  expect(await ask({ kind: 'transfer', request_id: 'r9', transfer: deposit('d2', 'buyer', 'KRW', '30000000') })).toMatchObject({ ok: true, available: krw('30000000').toString() });
  expect(await balance('seller', 'KRW')).toEqual({ available: krw('24487750'), locked: 0n });
  expect(await redis.hget(keys.fees, 'KRW')).toBe(krw('36750').toString());
  expect(standby.failure).toBeUndefined();
});

test('a writer started next to a running Redis takes its lease without stepping down first', async () => {
  // A lease this long makes a failed first try visible: the retry waits a fifth of it.
  const warnings: string[] = [];
  const record: typeof log = { ...log, warn: (msg) => warnings.push(msg) };
  const w = new ShardWriter({ redisUrl: server.url, prefix: `${prefix}-start`, shard: 0, shardCount: 1, writerId: 'starter', config, log: record, leaseMs: 60_000 });
  writers.push(w);
  w.start();
  await waitFor('the writer to lead', () => w.active, { intervalMs: 10 });
  expect(warnings).toEqual([]);
});
