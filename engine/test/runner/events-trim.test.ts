/**
 * The engine trims its events stream behind the slowest ledger shard: nothing while a shard has
 * applied none of it, then up to (not past) the smallest shard position, read from the shards'
 * own keys.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer, waitFor } from '@xtrader/platform';
import { LEDGER_POSITIONS, ledgerShardKeys, symbolKeys } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolRunner } from '../../src/runner';
import { append, place } from './helpers';

let server: RedisServer;
let redis: Redis;
let runner: SymbolRunner;
const prefix = `t-${randomBytes(4).toString('hex')}`;
const keys = symbolKeys('BTC-KRW', prefix);
const field = LEDGER_POSITIONS.events('BTC-KRW');
let n = 0;

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  // A snapshot (and so a trim) after every second command; the engine's own retention keeps only
  // the newest entry, so the ledger's positions decide.
  runner = new SymbolRunner({ spec: loadMarketMap().get('BTC-KRW')!, redisUrl: server.url, prefix, engineId: 'trim', log: createLogger('test', 'silent'), leaseMs: 1000, blockMs: 50, snapshotEvery: 2, ledgerShards: 2, eventsMaxLen: 1 });
  void runner.start();
  await runner.whenLeader();
});
afterAll(async () => {
  await runner.stop();
  redis.disconnect();
  await server.destroy();
});

/** Appends `count` resting orders one by one, each committed (and its snapshot taken) before the next. */
async function placeOrders(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [id] = await append(redis, keys, [place(`o${++n}`, 'Buy', 40_000 + n, 10)]);
    await waitFor('the order to be committed', async () => (await redis.get(keys.position)) === id, { intervalMs: 10 });
  }
}
const eventIds = async () => (await redis.xrange(keys.events, '-', '+')).map(([id]) => id);
const snapshotAt = async () => (JSON.parse((await redis.get(keys.snapshot)) ?? '{}') as { position?: string }).position;

test('nothing is trimmed while a shard has applied nothing; then up to the slowest shard, never past it', async () => {
  await placeOrders(6);
  const all = await eventIds();
  expect(all).toHaveLength(6);
  // Shard 0 has applied four entries; shard 1 none yet: the stream keeps everything.
  await redis.hset(ledgerShardKeys(0, prefix).positions, field, all[3]!);
  await placeOrders(2);
  await waitFor('the next snapshot', async () => (await snapshotAt()) === (await redis.get(keys.position)), { intervalMs: 10 });
  expect((await eventIds()).slice(0, 6)).toEqual(all);

  // Shard 1 is behind shard 0: the stream is trimmed up to shard 1's position, which stays.
  await redis.hset(ledgerShardKeys(1, prefix).positions, field, all[1]!);
  await placeOrders(2);
  await waitFor('the trim behind shard 1', async () => (await eventIds())[0] === all[1], { intervalMs: 10 });
  expect((await eventIds()).slice(0, 5)).toEqual(all.slice(1));

  // Both move past the first six entries: the trim follows the slower, shard 0.
  await redis.hset(ledgerShardKeys(1, prefix).positions, field, all[5]!);
  await placeOrders(2);
  await waitFor('the trim behind shard 0', async () => (await eventIds())[0] === all[3], { intervalMs: 10 });
  expect(await redis.xlen(keys.events)).toBe(12 - 3);
});
