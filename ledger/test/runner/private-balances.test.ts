/**
 * The shard writer's private messages for balances, on a real redis-server: every committed
 * balance change of an account becomes a BalanceUpdate, numbered per account, and the numbers
 * carry on across writers (they are committed with the balances).
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer, waitFor } from '@xtrader/platform';
import { FIELDS, ledgerShardKeys, type LedgerAnswer, type LedgerRequest, type PrivateMessage } from '@xtrader/protocol';
import { ShardWriter, type PrivateSink } from '../../src/runner/shard-writer';
import { config, deposit, withdrawal } from '../core/harness';

let server: RedisServer;
let redis: Redis;
let sub: Redis;
const prefix = `t-${randomBytes(4).toString('hex')}`;
const keys = ledgerShardKeys(0, prefix);
const answers = new Map<string, LedgerAnswer>();
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

async function ask(req: LedgerRequest): Promise<LedgerAnswer> {
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(req));
  return waitFor(`answer to ${req.request_id}`, () => answers.get(req.request_id), { timeoutMs: 20_000, intervalMs: 10 });
}

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  sub = server.client();
  await sub.subscribe(keys.answers);
  sub.on('message', (_channel, message) => {
    const a = JSON.parse(message) as LedgerAnswer;
    answers.set(a.request_id, a);
  });
});
afterAll(async () => {
  await Promise.all(writers.map((w) => w.stop()));
  sub?.disconnect();
  redis?.disconnect();
  await server?.destroy();
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
