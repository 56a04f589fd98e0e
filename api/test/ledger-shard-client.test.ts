/**
 * The api's shard client on a real redis-server with in-process ledger writers: a request goes
 * to its account's shard and its answer comes back by request id, for accounts of every shard and
 * for every kind of request; with no writer it gives up after its timeout.
 */
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createLogger, RedisServer } from '@xtrader/platform';
import { accountShard, balanceField, ledgerShardKeys, type LedgerRequest } from '@xtrader/protocol';
import { LedgerShardClient } from '../src/ledger/shard-client';
import { LedgerWriters } from './support/ledger-writers';

const SHARDS = 2;
let server: RedisServer;
let redis: Redis;
let sub: Redis;
let prefix: string;
let writers: LedgerWriters;
let client: LedgerShardClient;
let n = 0;

/** An account id that the shard function puts on `shard`. */
function accountOn(shard: number): string {
  for (;;) {
    const id = `acct-${randomBytes(4).toString('hex')}`;
    if (accountShard(id, SHARDS) === shard) return id;
  }
}

const deposit = (account: string, asset: string, amount: string): LedgerRequest => ({
  kind: 'transfer',
  request_id: `req-${++n}`,
  transfer: { v: 1, kind: 'deposit', tx_id: `tx-${n}`, account_id: account, asset, amount },
});

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  sub = server.client();
  prefix = `t-${randomBytes(4).toString('hex')}`;
  writers = new LedgerWriters(server.url, prefix, SHARDS);
  writers.start();
  client = new LedgerShardClient({ redis, sub, prefix, shardCount: SHARDS, log: createLogger('test', 'silent'), answerTimeoutMs: 20_000 });
  await client.start();
});
afterAll(async () => {
  await writers.stop();
  sub.disconnect();
  redis.disconnect();
  await server.destroy();
});

test.each([0, 1])('a deposit for an account of shard %i is appended to that shard and answered with the new balance', async (shard) => {
  const account = accountOn(shard);
  const other = ledgerShardKeys(1 - shard, prefix);
  const before = await redis.xlen(other.commands);
  const answer = await client.ask(deposit(account, 'KRW', '1500.25'));
  expect(answer).toMatchObject({ ok: true, asset: 'KRW', amount: '150025', available: '150025', locked: '0' });
  expect(await redis.hget(ledgerShardKeys(shard, prefix).balances, balanceField(account, 'KRW'))).toBe('150025:0');
  expect(await redis.xlen(other.commands)).toBe(before);
});

test('concurrent requests of both shards each get their own answer', async () => {
  const accounts = [accountOn(0), accountOn(1), accountOn(0), accountOn(1)];
  const answers = await Promise.all(accounts.map((a, i) => client.ask(deposit(a, 'BTC', `0.0000000${i + 1}`))));
  expect(answers.map((a) => a?.ok && a.amount)).toEqual(['1', '2', '3', '4']);
});

test('a lock goes through the same client: refused without funds, granted with them', async () => {
  const account = accountOn(1);
  const order = (id: string): LedgerRequest => ({
    kind: 'lock',
    request_id: `req-${++n}`,
    lock: { v: 1, kind: 'lock', order_id: id, account_id: account, symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price_ticks: 50_000, qty_lots: 10, quote_quantity: null },
    place: { v: 1, kind: 'place', order_id: id, account_id: account, side: 'Sell', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 10 },
  });
  expect(await client.ask(order('o-unfunded'))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
  await client.ask(deposit(account, 'BTC', '1'));
  expect(await client.ask(order('o-funded'))).toMatchObject({ ok: true, asset: 'BTC' });
});

test('with no writer on the shard the client gives up after its timeout and answers undefined', async () => {
  const lonely = `${prefix}-nowriter`;
  const quietSub = server.client();
  const quiet = new LedgerShardClient({ redis, sub: quietSub, prefix: lonely, shardCount: SHARDS, log: createLogger('test', 'silent'), answerTimeoutMs: 200 });
  await quiet.start();
  const account = accountOn(0);
  expect(await quiet.ask(deposit(account, 'KRW', '1'))).toBeUndefined();
  // The request stays durable on the shard's stream for the writer to apply when it comes.
  expect(await redis.xlen(ledgerShardKeys(0, lonely).commands)).toBe(1);
  quietSub.disconnect();
});
