/**
 * client_order_id records are bounded per account by count and by age: an account that sends
 * more distinct client_order_ids than the count keeps only its newest records (on its shard and
 * on the symbol), a retry within the bound still gets the first answer, and a forgotten id is a
 * new order.
 */
import type Redis from 'ioredis';
import { createLogger, waitFor } from '@xtrader/platform';
import { symbolKeys, type LedgerAnswer, type PlaceCommand } from '@xtrader/protocol';
import { LedgerEnv } from '../../src/env';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit, lockOf } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
let redis: Redis;
let writer: ShardWriter;
const btcKeys = symbolKeys('BTC-KRW', prefix);
const MAX = 5;
const TTL_S = 3600;
let requests = 0;

function buy(orderId: string, clientOrderId: string): PlaceCommand {
  return { v: 1, kind: 'place', order_id: orderId, side: 'Buy', type: 'Limit', tif: 'GTC', price_ticks: 49_000, qty_lots: 10, client_order_id: clientOrderId };
}

/** Places `orderId` for `account` through the shard, as the api does: the lock with its order. */
function place(account: string, orderId: string, clientOrderId: string): Promise<LedgerAnswer> {
  const p = buy(orderId, clientOrderId);
  return shard.ask({ kind: 'lock', request_id: `r${++requests}`, lock: lockOf(account, 'BTC-KRW', p), place: p });
}

/** Which of `ids` the shard still remembers for `account` (and, the same, its symbol). */
async function remembered(account: string, ids: string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const id of ids) {
    const onShard = (await redis.exists(keys.clientOrder(account, 'BTC-KRW', id))) === 1;
    const onSymbol = (await redis.exists(btcKeys.clientOrder(account, id))) === 1;
    expect({ id, onSymbol }).toEqual({ id, onSymbol: onShard });
    if (onShard) kept.push(id);
  }
  return kept;
}

beforeAll(async () => {
  await shard.start();
  redis = shard.redis;
  writer = new ShardWriter({
    redisUrl: shard.server.url,
    prefix,
    shard: 0,
    shardCount: 1,
    writerId: 'w1',
    config,
    log: createLogger('ledger-test', 'silent'),
    clientOrderIds: { max: MAX, ttlS: TTL_S },
  });
  writer.start();
  await waitFor('the writer to lead', () => writer.active, { intervalMs: 10 });
  for (const account of ['alice', 'bob']) expect(await shard.ask({ kind: 'transfer', request_id: `d-${account}`, transfer: deposit(`d-${account}`, account, 'KRW', '30000000') })).toMatchObject({ ok: true });
});
afterAll(async () => {
  await writer?.stop();
  await shard.stop();
});

test(`an account sending more than ${MAX} distinct client_order_ids keeps only its ${MAX} newest records; a retry within them gets the first answer, a forgotten one is a new order`, async () => {
  const ids = Array.from({ length: 8 }, (_, i) => `c${i + 1}`);
  for (const [i, id] of ids.entries()) expect(await place('alice', `o${i + 1}`, id)).toMatchObject({ ok: true, order_id: `o${i + 1}` });
  expect(await place('bob', 'b1', 'c1')).toMatchObject({ ok: true, order_id: 'b1' });

  // The three oldest are forgotten, on the shard and on the symbol; the other account's stays.
  expect(await remembered('alice', ids)).toEqual(['c4', 'c5', 'c6', 'c7', 'c8']);
  expect(await remembered('bob', ['c1'])).toEqual(['c1']);
  const ttl = await redis.ttl(keys.clientOrder('alice', 'BTC-KRW', 'c8'));
  expect(ttl).toBeGreaterThan(TTL_S - 60);
  expect(ttl).toBeLessThanOrEqual(TTL_S);

  // A retry of a remembered id (the api gives every request a new order id): the first order's
  // answer, nothing locked again.
  const locked = await shard.balance('alice', 'KRW');
  expect(await place('alice', 'o4-retry', 'c4')).toMatchObject({ ok: true, order_id: 'o4' });
  expect(await shard.balance('alice', 'KRW')).toEqual(locked);
  expect(await redis.exists(btcKeys.order('o4-retry'))).toBe(0);

  // A forgotten id is a new order, and now the newest record: the oldest kept one goes.
  expect(await place('alice', 'o1-again', 'c1')).toMatchObject({ ok: true, order_id: 'o1-again' });
  expect((await shard.balance('alice', 'KRW')).locked).toBeGreaterThan(locked.locked);
  expect(await remembered('alice', ids)).toEqual(['c1', 'c5', 'c6', 'c7', 'c8']);
  expect(await place('alice', 'o5-retry', 'c5')).toMatchObject({ ok: true, order_id: 'o5' });
});

test('the bounds are read from the environment and validated: whole numbers of at least 1, 24 h and 100,000 by default', () => {
  expect(LedgerEnv.parse({})).toMatchObject({ LEDGER_CLIENT_ORDER_ID_TTL_S: 86_400, LEDGER_CLIENT_ORDER_IDS_MAX: 100_000 });
  expect(LedgerEnv.parse({ LEDGER_CLIENT_ORDER_ID_TTL_S: '600', LEDGER_CLIENT_ORDER_IDS_MAX: '50' })).toMatchObject({ LEDGER_CLIENT_ORDER_ID_TTL_S: 600, LEDGER_CLIENT_ORDER_IDS_MAX: 50 });
  for (const bad of [{ LEDGER_CLIENT_ORDER_IDS_MAX: '0' }, { LEDGER_CLIENT_ORDER_IDS_MAX: 'many' }, { LEDGER_CLIENT_ORDER_ID_TTL_S: '1.5' }, { LEDGER_CLIENT_ORDER_ID_TTL_S: '-1' }]) {
    expect(LedgerEnv.safeParse(bad).success).toBe(false);
  }
});
