/**
 * XT_DURABILITY=replica on a real primary + replica pair: a batch's outcomes (the answers to
 * cancels, amends and places) are published only once the replica has the batch's commit; with
 * the replica gone the commit stands but its outcomes are withheld, and they flow again once a
 * replica is back.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, launchReplica, RedisServer, replicasOnline, waitFor } from '@xtrader/platform';
import { FIELDS, symbolKeys, type OutcomeMessage } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { RunnerMetrics, SymbolRunner } from '../../src/runner';
import { place } from './helpers';

const spec = loadMarketMap().get('BTC-KRW')!;
let primary: RedisServer;
let replica: RedisServer;
let redis: Redis;
let sub: Redis;
let runner: SymbolRunner | undefined;

beforeAll(async () => {
  primary = await RedisServer.launch();
  replica = await launchReplica(primary);
  redis = primary.client();
  sub = primary.client();
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});
afterAll(async () => {
  redis?.disconnect();
  sub?.disconnect();
  await replica?.destroy();
  await primary?.destroy();
});

/** What the replica has committed as the symbol's position (read on the replica itself). */
async function replicaPosition(key: string): Promise<string | null> {
  const r = replica.client();
  try {
    return await r.get(key);
  } finally {
    r.disconnect();
  }
}

const waits = async (metrics: RunnerMetrics, result: string) =>
  (await metrics.replicaWaits.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

test("a batch's outcome is published only once the replica has its commit; without a replica it is withheld, and later ones flow once it is back", async () => {
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys(spec.symbol, prefix);
  const outcomes: { message: OutcomeMessage; onReplica: Promise<string | null> }[] = [];
  await sub.subscribe(keys.outcomes);
  sub.on('message', (channel: string, m: string) => {
    // The replica is read the moment the outcome arrives: it must already have the position.
    if (channel === keys.outcomes) outcomes.push({ message: JSON.parse(m) as OutcomeMessage, onReplica: replicaPosition(keys.position).catch((e: Error) => `unreadable: ${e.message}`) });
  });
  const metrics = new RunnerMetrics();
  runner = new SymbolRunner({ spec, redisUrl: primary.url, prefix, engineId: 'e1', log: createLogger('test', 'silent'), leaseMs: 5000, blockMs: 50, metrics, durability: { replicas: 1, timeoutMs: 2000 } });
  void runner.start();
  await runner.whenLeader();

  const append = (id: string) => redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(place(id, 'Buy', 1000, 1)));
  const a1 = await append('o1');
  await waitFor('the outcome of o1', () => outcomes.find((o) => o.message.orders.includes('o1')));
  expect(outcomes[0]!.message.position).toBe(a1);
  expect(await outcomes[0]!.onReplica).toBe(a1);
  expect(await waits(metrics, 'replicated')).toBeGreaterThanOrEqual(1);

  // No replica: the commit lands on the primary, the wait falls short, nothing is published.
  await replica.kill();
  const a2 = await append('o2');
  await waitFor('the commit of o2 to fall short of a replica', async () => (await redis.get(keys.position)) === a2 && (await waits(metrics, 'short')) >= 1);

  // The replica back (it resyncs everything): the next batch's outcome is published, and since
  // outcomes go out in commit order on one connection, o2's would have come before it.
  await replica.start();
  await replicasOnline(primary, 1);
  const a3 = await append('o3');
  await waitFor('the outcome of o3', () => outcomes.find((o) => o.message.orders.includes('o3')));
  expect(outcomes.map((o) => o.message.orders).flat()).toEqual(['o1', 'o3']);
  expect(await outcomes[1]!.onReplica).toBe(a3);
}, 30_000);

test('without durability the outcome is published inside the commit, with no wait for a replica', async () => {
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys(spec.symbol, prefix);
  const got: OutcomeMessage[] = [];
  await sub.subscribe(keys.outcomes);
  sub.on('message', (channel: string, m: string) => channel === keys.outcomes && got.push(JSON.parse(m) as OutcomeMessage));
  await replica.kill();
  const metrics = new RunnerMetrics();
  runner = new SymbolRunner({ spec, redisUrl: primary.url, prefix, engineId: 'e2', log: createLogger('test', 'silent'), leaseMs: 2000, blockMs: 50, metrics });
  void runner.start();
  await runner.whenLeader();
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(place('p1', 'Buy', 1000, 1)));
  await waitFor('the outcome of p1', () => got.find((o) => o.orders.includes('p1')));
  expect((await metrics.replicaWaits.get()).values).toEqual([]);
  await replica.start();
  await replicasOnline(primary, 1);
}, 30_000);
