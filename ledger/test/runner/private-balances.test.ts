/**
 * The shard writer's private messages for balances, on a real redis-server: every committed
 * balance change of an account becomes a BalanceUpdate, numbered per account, and the numbers
 * carry on across writers (they are committed with the balances).
 */
import type Redis from 'ioredis';
import { createLogger, type RedisServer, waitFor } from '@xtrader/platform';
import type { LedgerAnswer, LedgerRequest, PrivateMessage } from '@xtrader/protocol';
import { ShardWriter, type PrivateSink } from '../../src/runner/shard-writer';
import { config, deposit, withdrawal } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
let server: RedisServer;
let redis: Redis;
const writers: ShardWriter[] = [];

class RecordingSink implements PrivateSink {
  readonly got: { account: string; message: PrivateMessage }[] = [];
  emit(account: string, messages: readonly PrivateMessage[]): void {
    for (const message of messages) this.got.push({ account, message });
  }
}

function writer(id: string, sink: PrivateSink): ShardWriter {
  const w = new ShardWriter({ redisUrl: server.url, prefix, shard: 0, shardCount: 1, writerId: id, config, log: createLogger('test', 'silent'), leaseMs: 1000, sink });
  writers.push(w);
  w.start();
  return w;
}

const ask = (req: LedgerRequest): Promise<LedgerAnswer> => shard.ask(req);

beforeAll(async () => {
  await shard.start();
  ({ server, redis } = shard);
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.stop()));
  await shard.stop();
});

test('each committed balance change is a BalanceUpdate of its account, numbered without a gap across writers', async () => {
  const first = new RecordingSink();
  const a = writer('writer-a', first);
  await ask({ kind: 'transfer', request_id: 'r1', transfer: deposit('d1', 'alice', 'KRW', '1000.5') });
  await ask({ kind: 'transfer', request_id: 'r2', transfer: deposit('d2', 'bob', 'BTC', '0.25') });
  await ask({ kind: 'transfer', request_id: 'r3', transfer: withdrawal('w1', 'alice', 'KRW', '0.5') });
  // A refused withdrawal changes no balance: no message.
  expect(await ask({ kind: 'transfer', request_id: 'r4', transfer: withdrawal('w2', 'alice', 'KRW', '5000') })).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
  await waitFor('three balance updates', () => first.got.length === 3);
  expect(first.got).toEqual([
    { account: 'alice', message: { type: 'BalanceUpdate', asset: 'KRW', available: 1000.5, locked: 0, account_sequence: 1 } },
    { account: 'bob', message: { type: 'BalanceUpdate', asset: 'BTC', available: 0.25, locked: 0, account_sequence: 1 } },
    { account: 'alice', message: { type: 'BalanceUpdate', asset: 'KRW', available: 1000, locked: 0, account_sequence: 2 } },
  ]);

  await a.stop();
  const second = new RecordingSink();
  writer('writer-b', second);
  await ask({ kind: 'transfer', request_id: 'r5', transfer: deposit('d3', 'alice', 'KRW', '1') });
  await waitFor('the next balance update', () => second.got.length === 1);
  expect(second.got).toEqual([{ account: 'alice', message: { type: 'BalanceUpdate', asset: 'KRW', available: 1001, locked: 0, account_sequence: 3 } }]);
  expect(await redis.hget(keys.accountSequences, 'alice')).toBe('3');
});
