/**
 * XT_DURABILITY=replica on a real primary + replica pair: a ledger shard answers a request (and
 * sends its private messages) only once the replica has the commit, and a place's forward to its
 * symbol counts only once the replica has it too. With the replica gone a commit stands but its
 * answer is withheld; answers flow again once a replica is back.
 */
import type Redis from 'ioredis';
import { createLogger, replicasOnline, waitFor } from '@xtrader/platform';
import { encodeEvent, FIELDS, LEDGER_POSITIONS, symbolKeys, type LedgerAnswer, type LedgerRequest, type PlaceCommand, type PrivateMessage } from '@xtrader/protocol';
import { MatchingCore } from '../../../engine/src/core';
import { place } from '../../../engine/test/runner/helpers';
import { ShardWriter } from '../../src/runner/shard-writer';
import { config, deposit, lockOf } from '../core/harness';
import { ShardRedis } from './shard-redis';

const shard = new ShardRedis();
const { prefix, keys } = shard;
const sym = symbolKeys('BTC-KRW', prefix);
const log = createLogger('ledger-test', 'silent');
let writer: ShardWriter;
let watch: Redis;
const pushed: { account: string; messages: readonly PrivateMessage[] }[] = [];
/** Every `applied` progress message the shard published. */
const applied: string[] = [];
/** What the replica holds of each answered request, read the moment its answer arrived. */
const onReplicaAtAnswer = new Map<string, Promise<string>>();
let n = 0;

beforeAll(async () => {
  await shard.start({ withReplica: true });
  watch = shard.server.client();
  await watch.subscribe(keys.answers);
  watch.on('message', (_c: string, m: string) => {
    const a = JSON.parse(m) as LedgerAnswer;
    if ((a as { kind?: string }).kind === 'applied') applied.push(m);
    const r = shard.replica!.client();
    onReplicaAtAnswer.set(
      a.request_id,
      r
        .hget(keys.positions, LEDGER_POSITIONS.commands)
        .then((p) => p ?? 'none')
        .catch((e: Error) => `unreadable: ${e.message}`)
        .finally(() => r.disconnect()),
    );
  });
  writer = new ShardWriter({
    redisUrl: shard.server.url,
    prefix,
    shard: 0,
    shardCount: 1,
    writerId: 'w1',
    config,
    log,
    leaseMs: 5000,
    durability: { replicas: 1, timeoutMs: 2000 },
    sink: { emit: (account, messages) => pushed.push({ account, messages }) },
  });
  writer.start();
  await waitFor('the writer to lead', () => writer.active, { intervalMs: 10 });
});
afterAll(async () => {
  watch?.disconnect();
  await writer?.stop();
  await shard.stop();
});

const transfer = (account: string, asset: string, amount: string): LedgerRequest => ({ kind: 'transfer', request_id: `r${++n}`, transfer: deposit(`d${n}`, account, asset, amount) });
const append = (req: LedgerRequest) => shard.redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(req));

test('answers and private messages go out only once the replica has the commit; none while no replica confirms', async () => {
  const first = transfer('alice', 'KRW', '1000000');
  const firstId = await append(first);
  await waitFor('the first answer', () => shard.answers.get(first.request_id), { timeoutMs: 20_000 });
  expect(await onReplicaAtAnswer.get(first.request_id)).toBe(firstId);
  expect(pushed.filter((p) => p.account === 'alice').length).toBeGreaterThan(0);

  await shard.replica!.kill();
  const pushedBefore = pushed.length;
  const lost = transfer('bob', 'KRW', '5');
  const lostId = await append(lost);
  await waitFor('the commit to land and fall short of a replica', async () => (await shard.redis.hget(keys.positions, LEDGER_POSITIONS.commands)) === lostId && writer.replicaShortfalls >= 1);
  expect(pushed.length).toBe(pushedBefore);

  await shard.replica!.start();
  await replicasOnline(shard.server, 1);
  const next = transfer('carol', 'KRW', '7');
  const nextId = await append(next);
  await waitFor('the answer after the replica is back', () => shard.answers.get(next.request_id));
  expect(await onReplicaAtAnswer.get(next.request_id)).toBe(nextId);
  // Answers are published in commit order on one connection: the withheld one never came.
  expect(shard.answers.has(lost.request_id)).toBe(false);
  expect(pushed.slice(pushedBefore).map((p) => p.account)).toEqual(['carol']);
}, 30_000);

test("a place's forward counts only once the replica has it: while none confirms, the writer forwards again and does not answer", async () => {
  await shard.ask(transfer('dave', 'KRW', '100000000'));
  await shard.replica!.kill();
  const p: PlaceCommand = place('dv1', 'Buy', 1000, 1);
  const req: LedgerRequest = { kind: 'lock', request_id: `r${++n}`, lock: lockOf('dave', 'BTC-KRW', p), place: p };
  const forwardedBefore = await shard.redis.hget(keys.positions, LEDGER_POSITIONS.forwarded);
  await append(req);
  const onStream = async () => (await shard.redis.xrange(sym.commands, '-', '+')).filter(([, f]) => f.join(' ').includes('"dv1"'));
  // Forwarded (on the primary) and tried again at least once, never recorded as forwarded.
  await waitFor('the forward to be tried twice while no replica confirms it', () => writer.forwardShortfalls >= 2);
  expect(await onStream()).toHaveLength(1);
  expect(await shard.redis.hget(keys.positions, LEDGER_POSITIONS.forwarded)).toBe(forwardedBefore);
  expect(shard.answers.has(req.request_id)).toBe(false);

  await shard.replica!.start();
  await replicasOnline(shard.server, 1);
  await waitFor('the forward to be recorded', async () => (await shard.redis.hget(keys.positions, LEDGER_POSITIONS.forwarded)) !== forwardedBefore);
  expect(await onStream()).toHaveLength(1);
}, 30_000);

test('engine events that change none of its accounts: while no replica confirms, the shard still says nothing of them', async () => {
  await shard.ask(transfer('erin', 'KRW', '10'));
  await shard.replica!.kill();
  const shortfalls = writer.replicaShortfalls;
  const appliedBefore = applied.length;
  // An order with no owner rests: its events move no funds of this shard.
  const core = new MatchingCore(config.markets.find((m) => m.symbol === 'BTC-KRW')!);
  const row = JSON.stringify(['1-0', ...core.apply({ ...place('nobody', 'Sell', 90_000, 1), ts: 1_700_000_000_000 }).map(encodeEvent)]);
  const entry = await shard.redis.xadd(sym.events, '*', FIELDS.first, '1-0', FIELDS.last, '1-0', FIELDS.events, `[${row}]`);
  // Its position is committed like any other (and falls short of a replica), not skipped.
  await waitFor('the events to be committed and fall short of a replica', async () => (await shard.redis.hget(keys.positions, LEDGER_POSITIONS.events('BTC-KRW'))) === entry && writer.replicaShortfalls > shortfalls, { timeoutMs: 20_000 });
  expect(applied.slice(appliedBefore)).toEqual([]);
  await shard.replica!.start();
  await replicasOnline(shard.server, 1);
}, 30_000);
