/**
 * Two engine processes for one symbol. The leader is frozen with SIGSTOP past its lease: the
 * standby takes over and goes on matching; when the old leader wakes up, whatever it tries to
 * write is refused and it steps down. Nothing is applied twice.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { freePort, RedisServer, waitFor } from '@xtrader/platform';
import { symbolKeys, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { allCommands, append, committedEvents, EngineProcess, place, referenceRun, storedOrder } from './helpers';

let server: RedisServer;
let redis: Redis;
let spec: MarketSpec;
const prefix = `t-${randomBytes(4).toString('hex')}`;
const keys = symbolKeys('BTC-KRW', prefix);
const engines: EngineProcess[] = [];

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  spec = loadMarketMap().get('BTC-KRW')!;
});
afterAll(async () => {
  for (const e of engines) {
    e.kill('SIGCONT');
    e.kill('SIGKILL');
  }
  redis?.disconnect();
  await server?.destroy();
});

async function stateOf(orderId: string, wanted: string): Promise<void> {
  await waitFor(`order ${orderId} to become ${wanted}`, async () => (await storedOrder(redis, spec, keys, orderId))?.status === wanted, { timeoutMs: 15_000, intervalMs: 20 });
}

test('a leader paused past its lease is replaced, and its later writes are refused', async () => {
  const env = { REDIS_URL: server.url, XT_PREFIX: prefix, ENGINE_LEASE_MS: '1000', ENGINE_BLOCK_MS: '300' };
  const a = new EngineProcess(['--symbol', 'BTC-KRW'], { ...env, ENGINE_ID: 'engine-a' });
  engines.push(a);
  await a.waitFor(/lease acquired/);
  const metricsPort = await freePort();
  const b = new EngineProcess(['--symbol', 'BTC-KRW'], { ...env, ENGINE_ID: 'engine-b', METRICS_PORT: String(metricsPort) });
  engines.push(b);
  await b.waitFor(/engine started/);

  await append(redis, keys, [place('m1', 'Sell', 50_000, 10)]);
  await stateOf('m1', 'NEW');

  a.kill('SIGSTOP');
  // While A is frozen, new commands arrive; B must take over and apply them.
  await append(redis, keys, [place('t1', 'Buy', 50_000, 4)]);
  await b.waitFor(/lease acquired/);
  await stateOf('t1', 'FILLED');
  expect(await redis.get(keys.lease)).toMatch(/^\d+:engine-b$/);

  a.kill('SIGCONT');
  await a.waitFor(/stepping down: lease lost/);
  await append(redis, keys, [place('t2', 'Buy', 50_000, 6)]);
  await stateOf('t2', 'FILLED');
  expect(await redis.get(keys.lease)).toMatch(/^\d+:engine-b$/);
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  expect(metrics).toMatch(/xt_engine_commands_applied_total\{symbol="BTC-KRW"\} [1-9]/);
  expect(metrics).toMatch(/xt_engine_leader\{symbol="BTC-KRW"\} 1/);

  // The committed history is exactly the fault-free one: A's stale batch never landed.
  const ref = referenceRun(spec, await allCommands(redis, keys));
  expect(await committedEvents(redis, keys)).toEqual(ref.events);
  expect(await storedOrder(redis, spec, keys, 'm1')).toEqual(ref.views.get('m1'));

  // Clean shutdown: the leader releases the lease, the standby just leaves.
  b.kill('SIGTERM');
  a.kill('SIGTERM');
  expect(await b.exited).toBe(0);
  expect(await a.exited).toBe(0);
  expect(await redis.get(keys.lease)).toBeNull();
}, 60_000);
