/**
 * A shard writer whose stored position in a symbol's events is older than what the stream still
 * holds (entries it never applied were trimmed) stops with a clear error before applying anything,
 * instead of reading on and skipping their money.
 */
import { createLogger, waitFor } from '@xtrader/platform';
import { FIELDS, LEDGER_POSITIONS, symbolKeys } from '@xtrader/protocol';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const events = symbolKeys('BTC-KRW', shard.prefix).events;
let writer: ShardWriter | undefined;

beforeAll(() => shard.start());
afterAll(async () => {
  await writer?.stop();
  await shard.stop();
});

test('a position the events stream was trimmed past stops the writer with the reason; nothing is applied', async () => {
  const { redis, keys } = shard;
  const ids: string[] = [];
  for (let i = 1; i <= 3; i++) ids.push((await redis.xadd(events, '*', FIELDS.first, `${i}-0`, FIELDS.last, `${i}-0`, FIELDS.events, '[]'))!);
  // The shard applied the first entry; the second went before it read it.
  await redis.hset(keys.positions, LEDGER_POSITIONS.events('BTC-KRW'), ids[0]!);
  await redis.xtrim(events, 'MINID', ids[2]!);
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify({ kind: 'transfer', request_id: 'r1', transfer: deposit('d1', 'a', 'BTC', '1') }));

  writer = new ShardWriter({ redisUrl: shard.server.url, prefix: shard.prefix, shard: 0, shardCount: 1, writerId: 'w', config, log: createLogger('test', 'silent'), leaseMs: 600 });
  writer.start();
  const failure = await waitFor('the writer to stop', () => writer!.failure, { intervalMs: 10 });
  expect(failure.message).toMatch(new RegExp(`applied ${events.replace(/[{}]/g, '\\$&')} up to ${ids[0]}, but the stream was trimmed and now starts at ${ids[2]}`));
  expect(writer.active).toBe(false);
  expect(await redis.hgetall(keys.balances)).toEqual({});
  expect(await redis.hget(keys.positions, LEDGER_POSITIONS.events('BTC-KRW'))).toBe(ids[0]);
  expect(await redis.hget(keys.positions, LEDGER_POSITIONS.commands)).toBeNull();
});

test('a stream trimmed only up to the position is read on as usual', async () => {
  await writer?.stop();
  const { redis, keys } = shard;
  const last = (await redis.xrevrange(events, '+', '-', 'COUNT', 1))[0]![0];
  await redis.hset(keys.positions, LEDGER_POSITIONS.events('BTC-KRW'), last);
  writer = new ShardWriter({ redisUrl: shard.server.url, prefix: shard.prefix, shard: 0, shardCount: 1, writerId: 'w2', config, log: createLogger('test', 'silent'), leaseMs: 600 });
  writer.start();
  await waitFor('the deposit to be applied', async () => (await shard.balance('a', 'BTC')).available > 0n, { intervalMs: 10 });
  expect(writer.failure).toBeUndefined();
});
