/**
 * Two engine processes for one symbol whose snapshot holds a deep book (300,000 resting orders),
 * with a lease far shorter than restoring that snapshot takes. The engine that takes the lease
 * must keep it while it restores and replays: the fence stops climbing and new orders are applied.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { RedisServer, waitFor } from '@xtrader/platform';
import { acceptedOrder, orderStateOf, symbolKeys, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolState, type EngineSnapshot, type SnapshotOrder } from '../../src/runner/symbol-state';
import { append, EngineProcess, place, storedOrder } from './helpers';

const RESTING = 300_000;
const LEVELS = 300;
const REPLAYED = 2_000;

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
  for (const e of engines) e.kill('SIGKILL');
  redis?.disconnect();
  await server?.destroy();
});

/**
 * The snapshot of a book of `RESTING` one-lot Sells over `LEVELS` prices above 50,000, in the
 * engine's own snapshot format (built directly: matching that many orders would take minutes).
 */
function deepBookSnapshot(position: string): string {
  const base = SymbolState.fresh(spec).snapshot();
  const asks: [number, [string, number][]][] = [];
  for (let l = 0; l < LEVELS; l++) asks.push([50_001 + l, []]);
  const orders: SnapshotOrder[] = [];
  for (let i = 0; i < RESTING; i++) {
    const level = i % LEVELS;
    const id = `r${i}`;
    asks[level][1].push([id, 1]);
    const cmd = place(id, 'Sell', 50_001 + level, 1);
    orders.push([orderStateOf({ ...acceptedOrder(cmd, 0), status: 'NEW', seq: i + 1 }), 1_700_000_000_000, 1_700_000_000_000]);
  }
  const snap: EngineSnapshot = { ...base, position, core: { ...base.core, seq: RESTING, asks }, orders };
  return JSON.stringify(snap);
}

test('an engine restoring a snapshot longer than its lease keeps the lease: the fence stops climbing and new orders are applied', async () => {
  await redis.set(keys.snapshot, deepBookSnapshot('0-1'));
  // Commands after the snapshot, already committed: recovery replays them too.
  const replayed = [];
  for (let i = 0; i < REPLAYED; i++) replayed.push(place(`p${i}`, 'Sell', 60_000, 1));
  const ids = await append(redis, keys, replayed);
  await redis.set(keys.position, ids[ids.length - 1]);

  // No snapshot while the test runs: writing one of this book is not what is tested here.
  const env = { REDIS_URL: server.url, XT_PREFIX: prefix, ENGINE_LEASE_MS: '500', ENGINE_BLOCK_MS: '100', ENGINE_SNAPSHOT_MS: '600000', ENGINE_CLOCK_MS: '0' };
  const a = new EngineProcess(['--symbol', 'BTC-KRW'], { ...env, ENGINE_ID: 'engine-a' });
  const b = new EngineProcess(['--symbol', 'BTC-KRW'], { ...env, ENGINE_ID: 'engine-b' });
  engines.push(a, b);

  // The first order: one of the book's best asks is taken once the symbol is led again.
  const [first] = await append(redis, keys, [place('t0', 'Buy', 50_001, 1)]);
  await waitFor('the first order after recovery to be committed', async () => (await redis.get(keys.position)) === first, { timeoutMs: 35_000, intervalMs: 50 }).catch(async (e: Error) => {
    throw new Error(`${e.message} (fence ${await redis.get(keys.fence)}):\n${[...a.lines.slice(-6), ...b.lines.slice(-6)].join('\n')}`);
  });
  const fence = await redis.get(keys.fence);
  expect((await storedOrder(redis, spec, keys, 't0'))?.status).toBe('FILLED');
  // One acquisition, perhaps one more if both engines raced at boot: not one per recovery.
  expect(Number(fence)).toBeLessThanOrEqual(2);

  // Over the next orders (each waits for its commit, many lease periods in all) the fence stays.
  for (let i = 1; i <= 5; i++) {
    const [id] = await append(redis, keys, [place(`t${i}`, 'Buy', 50_001, 1)]);
    await waitFor(`order t${i} to be committed`, async () => (await redis.get(keys.position)) === id, { timeoutMs: 10_000, intervalMs: 20 });
    expect((await storedOrder(redis, spec, keys, `t${i}`))?.status).toBe('FILLED');
  }
  expect(await redis.get(keys.fence)).toBe(fence);
}, 90_000);
