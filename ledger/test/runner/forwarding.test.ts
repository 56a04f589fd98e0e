/**
 * A ledger shard hands what it locked to the symbol: a granted lock commits an outbox entry with
 * its place command, which the writer forwards to the symbol's command stream (a real engine
 * matches it there) before answering; a refused lock appends nothing. A forward that is repeated
 * (the writer died before recording it) appends nothing twice, and a new holder forwards what the
 * old one committed but could not forward. Amends go the same way, once per request.
 */
import type Redis from 'ioredis';
import { createLogger, type RedisServer, waitFor } from '@xtrader/platform';
import {
  entryField,
  FIELDS,
  LEDGER_POSITIONS,
  parseAssetAmount,
  symbolKeys,
  type AmendCommand,
  type LedgerRequest,
  type MarketSpec,
  type PlaceCommand,
} from '@xtrader/protocol';
import { SymbolRunner } from '../../../engine/src/runner';
import { place, storedOrder } from '../../../engine/test/runner/helpers';
import { LedgerMetrics } from '../../src/runner/metrics';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit, lockOf } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
let server: RedisServer;
let redis: Redis;
const SYMBOL = 'BTC-KRW';
const sym = symbolKeys(SYMBOL, prefix);
const spec = config.markets.find((m) => m.symbol === SYMBOL)! as MarketSpec;
const krw = (t: string) => parseAssetAmount(config.assets.get('KRW')!, t);
const btc = (t: string) => parseAssetAmount(config.assets.get('BTC')!, t);
const log = createLogger('ledger-test', 'silent');
const writers: ShardWriter[] = [];
let engine: SymbolRunner;
let n = 0;

function writer(id: string, redisUrl = server.url, metrics?: LedgerMetrics): ShardWriter {
  const w = new ShardWriter({ redisUrl, prefix, shard: 0, shardCount: 1, writerId: id, config, log, leaseMs: 600, metrics });
  writers.push(w);
  w.start();
  return w;
}

const limit = place;
const lockRequest = (account: string, p: PlaceCommand): LedgerRequest => ({ kind: 'lock', request_id: `r${++n}`, lock: lockOf(account, SYMBOL, p), place: p });
const fund = (account: string, asset: string, amount: string) => shard.ask({ kind: 'transfer', request_id: `r${++n}`, transfer: deposit(`d${++n}`, account, asset, amount) });

const balance = (account: string, asset: string) => shard.balance(account, asset);

/** The commands on the symbol's stream that name `orderId` (of `kind`). */
async function commandsOf(orderId: string, kind: 'place' | 'amend'): Promise<object[]> {
  const rows = await redis.xrange(sym.commands, '-', '+');
  return rows.map(([, f]) => JSON.parse(entryField(f, FIELDS.command)!) as { kind: string; order_id: string }).filter((c) => c.order_id === orderId && c.kind === kind);
}

const order = (id: string) => storedOrder(redis, spec, sym, id);

/** How many observations each of the writer's hops counted. */
async function hopCounts(metrics: LedgerMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.hops.get();
  return Object.fromEntries(values.filter((v) => v.metricName?.endsWith('_count')).map((v) => [String(v.labels.hop), v.value]));
}

beforeAll(async () => {
  await shard.start();
  ({ server, redis } = shard);
  engine = new SymbolRunner({ spec, redisUrl: server.url, prefix, engineId: 'fwd-test', log, leaseMs: 1000, blockMs: 50 });
  void engine.start();
});
// Each test's writers stop with it, passed or failed, so no writer leads into the next test.
afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop();
});
afterAll(async () => {
  await engine.stop();
  await shard.stop();
});

test('a granted lock reaches the book and trades, settled exactly; a refused lock appends nothing to the symbol', async () => {
  const metrics = new LedgerMetrics();
  const w = writer('w1', server.url, metrics);
  await fund('seller', 'BTC', '1');
  await fund('buyer', 'KRW', '30000000');
  const sell = limit('s1', 'Sell', 49_000, 5000);
  const buy = limit('b1', 'Buy', 50_000, 5000);
  expect(await shard.ask(lockRequest('seller', sell))).toMatchObject({ ok: true, asset: 'BTC' });
  // Answered only once forwarded: the order is in the symbol's stream and stored ACCEPTED or later.
  expect(await commandsOf('s1', 'place')).toHaveLength(1);
  expect(await order('s1')).toBeDefined();
  expect(await shard.ask(lockRequest('buyer', buy))).toMatchObject({ ok: true, asset: 'KRW' });
  // Every request read and committed counts its hops; each granted lock its forward.
  expect(await hopCounts(metrics)).toEqual({ appended_to_ledger_read: 4, ledger_read_to_committed: 4, committed_to_forwarded: 2 });

  await waitFor('both orders to fill', async () => (await order('b1'))?.status === 'FILLED' && (await order('s1'))?.status === 'FILLED', { intervalMs: 20 });
  await waitFor('the trade to be settled', async () => (await redis.hlen(keys.holds)) === 0, { intervalMs: 20 });
  expect(await balance('buyer', 'KRW')).toEqual({ available: krw('30000000') - krw('24524500'), locked: 0n });
  expect(await balance('buyer', 'BTC')).toEqual({ available: btc('0.5'), locked: 0n });
  expect(await balance('seller', 'KRW')).toEqual({ available: krw('24487750'), locked: 0n });
  expect(await balance('seller', 'BTC')).toEqual({ available: btc('0.5'), locked: 0n });

  const before = await redis.xlen(sym.commands);
  const tooBig = limit('b2', 'Buy', 50_000, 60_000);
  expect(await shard.ask(lockRequest('buyer', tooBig))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
  expect(await redis.xlen(sym.commands)).toBe(before);
  expect(await order('b2')).toBeUndefined();
  // What was forwarded is recorded and trimmed from the outbox.
  const [last] = (await redis.xrevrange(keys.outbox, '+', '-', 'COUNT', 1))[0]!;
  expect(await redis.hget(keys.positions, LEDGER_POSITIONS.forwarded)).toBe(last);
  expect(await redis.xlen(keys.outbox)).toBe(1);
  await w.stop();
});

test('dying between the forward and its commit forwards again on the next holder: the order is appended once', async () => {
  const w1 = writer('w2');
  await fund('maker', 'KRW', '10000000');
  const bid = limit('m1', 'Buy', 40_000, 1000);
  expect(await shard.ask(lockRequest('maker', bid))).toMatchObject({ ok: true });
  await waitFor('the bid to rest', async () => (await order('m1'))?.status === 'NEW', { intervalMs: 20 });
  await w1.stop();
  // What a crash after the forward but before `forwarded` was committed leaves: the entry is pending again.
  await redis.hset(keys.positions, LEDGER_POSITIONS.forwarded, '0-0');

  const w2 = writer('w3');
  await waitFor('the new holder to record the forward', async () => (await redis.hget(keys.positions, LEDGER_POSITIONS.forwarded)) !== '0-0', { intervalMs: 20 });
  expect(await commandsOf('m1', 'place')).toHaveLength(1);
  expect(await order('m1')).toMatchObject({ status: 'NEW', quantity: 0.1 });
  await w2.stop();
});

test('a writer that committed a lock but cannot reach the symbol leaves it to the next holder, which forwards it', async () => {
  // This writer's Redis user may read everything but write only the shard's keys: its commit
  // succeeds, its forward is refused, as if it lost the symbol's node right after committing.
  await redis.call('ACL', 'SETUSER', 'cut', 'on', '>pw', 'resetkeys', `~${prefix}:{ledger-0}:*`, '%R~*', 'allchannels', '+@all');
  const cut = writer('cut', server.url.replace('redis://', 'redis://cut:pw@'));
  await fund('late', 'BTC', '1');
  const ask = limit('l1', 'Sell', 60_000, 2000);
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(lockRequest('late', ask)));
  await waitFor('the lock to be committed', async () => (await redis.hexists(keys.holds, 'l1')) === 1, { intervalMs: 20 });
  expect(await commandsOf('l1', 'place')).toHaveLength(0);
  await cut.stop();

  const next = writer('w4');
  await waitFor('the next holder to forward the order', async () => (await order('l1'))?.status === 'NEW', { intervalMs: 20 });
  expect(await commandsOf('l1', 'place')).toHaveLength(1);
  expect(await balance('late', 'BTC')).toEqual({ available: btc('0.8'), locked: btc('0.2') });
  await next.stop();
});

test('an amend locks what it needs and reaches the symbol once per request; one it cannot fund appends nothing', async () => {
  const w = writer('w5');
  await fund('amender', 'KRW', '10000000');
  const bid = limit('a1', 'Buy', 30_000, 1000);
  expect(await shard.ask(lockRequest('amender', bid))).toMatchObject({ ok: true });
  await waitFor('the bid to rest', async () => (await order('a1'))?.status === 'NEW', { intervalMs: 20 });
  const lockedBefore = (await balance('amender', 'KRW')).locked;

  const amend: AmendCommand = { v: 1, kind: 'amend', order_id: 'a1', request_id: 'am1', qty_lots: 2000, account_id: 'amender' };
  const request: LedgerRequest = { kind: 'amend', request_id: 'q1', amend_lock: { v: 1, kind: 'amend_lock', order_id: 'a1', account_id: 'amender', qty_lots: 2000 }, amend };
  expect(await shard.ask(request)).toMatchObject({ ok: true, asset: 'KRW' });
  await waitFor('the amend to apply', async () => (await order('a1'))?.quantity === 0.2, { intervalMs: 20 });
  expect((await balance('amender', 'KRW')).locked).toBe(lockedBefore * 2n);
  // A retry of the same request: the same lock, nothing appended twice.
  expect(await shard.ask({ ...request, request_id: 'q2' })).toMatchObject({ ok: true, amount: '0' });
  expect(await commandsOf('a1', 'amend')).toHaveLength(1);
  expect((await balance('amender', 'KRW')).locked).toBe(lockedBefore * 2n);

  const before = await redis.xlen(sym.commands);
  const huge: LedgerRequest = {
    kind: 'amend',
    request_id: 'q3',
    amend_lock: { v: 1, kind: 'amend_lock', order_id: 'a1', account_id: 'amender', qty_lots: 90_000 },
    amend: { ...amend, request_id: 'am2', qty_lots: 90_000 },
  };
  expect(await shard.ask(huge)).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
  expect(await redis.xlen(sym.commands)).toBe(before);
  await w.stop();
});

test('a Market Buy by quantity with less than its worst case goes on with its lock as spend limit, and the engine spends no more', async () => {
  writer('w9');
  await fund('ask-side', 'BTC', '1');
  await fund('small', 'KRW', '10000');
  expect(await shard.ask(lockRequest('ask-side', limit('mb-s', 'Sell', 50_000, 5)))).toMatchObject({ ok: true });
  // 5 lots at 50,000,000 KRW would need 25,025 KRW; 10,000 is locked, and one lot (5,000 + 5 fee) fits, two (10,010) do not.
  expect(await shard.ask(lockRequest('small', place('mb-b', 'Buy', null, 5)))).toMatchObject({ ok: true, amount: krw('10000').toString(), spend_limit: '10000' });
  expect(await commandsOf('mb-b', 'place')).toEqual([expect.objectContaining({ spend_limit: '10000', qty_lots: 5 })]);
  await waitFor('the market buy to end', async () => (await order('mb-b'))?.status === 'CANCELLED', { intervalMs: 20 });
  expect(await order('mb-b')).toMatchObject({ filled_quantity: 0.0001, cancel_reason: 'budget_spent' });
  await waitFor('its hold to be released', async () => (await balance('small', 'KRW')).locked === 0n, { intervalMs: 20 });
  expect(await balance('small', 'KRW')).toEqual({ available: krw('4995'), locked: 0n });
  expect(await balance('small', 'BTC')).toEqual({ available: btc('0.0001'), locked: 0n });
});
