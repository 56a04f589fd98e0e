import { randomBytes, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer, waitFor } from '@xtrader/platform';
import { accountShard, FIELDS, symbolKeys, type MarketSpec, type OutcomeMessage } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolRunner, type RunnerOptions } from '../../src/runner';
import { allCommands, append, committedEvents, place, referenceRun, storedOrder } from './helpers';

let server: RedisServer;
let redis: Redis;
let spec: MarketSpec;
const log = createLogger('test', 'silent');
const runners: SymbolRunner[] = [];

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  spec = loadMarketMap().get('BTC-KRW')!;
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  redis.disconnect();
  await server.destroy();
});

function runner(prefix: string, opts: Partial<RunnerOptions> = {}): SymbolRunner {
  const r = new SymbolRunner({ spec, redisUrl: server.url, prefix, engineId: `e-${randomBytes(2).toString('hex')}`, log, leaseMs: 1000, blockMs: 50, ...opts });
  runners.push(r);
  void r.start();
  return r;
}

async function caughtUp(keys: ReturnType<typeof symbolKeys>, id: string): Promise<void> {
  await waitFor(`the engine to commit up to ${id}`, async () => (await redis.get(keys.position)) === id, { timeoutMs: 10_000, intervalMs: 10 });
}

/** Every outcome message published on `keys.outcomes` from now on, as it arrives. */
async function collectOutcomes(keys: ReturnType<typeof symbolKeys>): Promise<{ sub: Redis; outcomes: OutcomeMessage[] }> {
  const sub = server.client();
  const outcomes: OutcomeMessage[] = [];
  await sub.subscribe(keys.outcomes);
  sub.on('message', (_c: string, m: string) => outcomes.push(JSON.parse(m) as OutcomeMessage));
  return { sub, outcomes };
}

function prefix(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

test('a batch commits events, order states, position and heartbeat together, then publishes outcomes', async () => {
  const p = prefix();
  const keys = symbolKeys('BTC-KRW', p);
  const { sub, outcomes } = await collectOutcomes(keys);
  const r = runner(p);
  await r.whenLeader();
  const ids = await append(redis, keys, [place('s1', 'Sell', 50_000, 5000), place('b1', 'Buy', 50_000, 2000)]);
  await caughtUp(keys, ids[1]);
  const s1 = await storedOrder(redis, spec, keys, 's1');
  expect(s1).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.2, remaining_quantity: 0.3 });
  const b1 = await storedOrder(redis, spec, keys, 'b1');
  expect(b1).toMatchObject({ status: 'FILLED', average_price: 50_000_000 });
  expect(await redis.ttl(keys.order('b1'))).toBeGreaterThan(80_000);
  expect(await redis.ttl(keys.order('s1'))).toBe(-1);
  expect(JSON.parse((await redis.get(keys.heartbeat))!)).toMatchObject({ position: ids[1] });
  const ref = referenceRun(spec, await allCommands(redis, keys));
  expect(await committedEvents(redis, keys)).toEqual(ref.events);
  // The two orders may have been committed (and announced) in two batches: wait for b1's.
  await new Promise<void>((resolve) => {
    const check = () => outcomes.some((o) => o.orders.includes('b1')) && resolve();
    check();
    sub.on('message', check);
  });
  expect(outcomes.flatMap((o) => o.orders)).toEqual(['s1', 'b1']);
  sub.disconnect();
});

test("an outcome names the ledger shards of the accounts whose orders its batch changed, so only those shards' writers wake for it", async () => {
  const p = prefix();
  const keys = symbolKeys('BTC-KRW', p);
  const { sub, outcomes } = await collectOutcomes(keys);
  const shards = 4;
  // A seller and a buyer on two different shards.
  const accounts = Array.from({ length: 50 }, (_, i) => `acct${i}`);
  const seller = accounts[0]!;
  const buyer = accounts.find((a) => accountShard(a, shards) !== accountShard(seller, shards))!;
  const r = runner(p, { ledgerShards: shards });
  await r.whenLeader();
  const [restId] = await append(redis, keys, [place('s1', 'Sell', 50_000, 5000, { account_id: seller })]);
  await caughtUp(keys, restId);
  const [takeId] = await append(redis, keys, [place('b1', 'Buy', 50_000, 2000, { account_id: buyer })]);
  await caughtUp(keys, takeId);
  await waitFor('the taker batch to be announced', () => outcomes.some((o) => o.orders.includes('b1')), { timeoutMs: 10_000, intervalMs: 10 });
  expect(outcomes.find((o) => o.orders.includes('s1'))!.shards).toEqual([accountShard(seller, shards)]);
  // The trade changed both orders: both owners' shards settle it.
  expect(outcomes.find((o) => o.orders.includes('b1'))!.shards).toEqual([accountShard(seller, shards), accountShard(buyer, shards)].sort((a, b) => a - b));
  sub.disconnect();
});

test('a commit after the lease moved to another engine writes nothing and the runner steps down', async () => {
  const p = prefix();
  const keys = symbolKeys('BTC-KRW', p);
  const r = runner(p, { leaseMs: 60_000 });
  await r.whenLeader();
  const [first] = await append(redis, keys, [place('a', 'Sell', 50_000, 10)]);
  await caughtUp(keys, first);
  const before = { events: await redis.xlen(keys.events), order: await redis.get(keys.order('a')) };
  // Another engine takes the lease (as after this one paused past its TTL).
  const fence = await redis.incr(keys.fence);
  await redis.set(keys.lease, `${fence}:intruder`, 'PX', 60_000);
  await append(redis, keys, [place('b', 'Buy', 50_000, 10)]);
  await waitFor('the runner to step down', () => !r.isLeader, { timeoutMs: 10_000, intervalMs: 10 });
  expect(await redis.get(keys.position)).toBe(first);
  expect(await redis.xlen(keys.events)).toBe(before.events);
  expect(await redis.get(keys.order('a'))).toEqual(before.order);
  expect(await redis.exists(keys.order('b'))).toBe(0);
  expect(await redis.get(keys.lease)).toBe(`${fence}:intruder`);
});

test('malformed entries are skipped but the position moves past them', async () => {
  const p = prefix();
  const keys = symbolKeys('BTC-KRW', p);
  runner(p);
  await redis.xadd(keys.commands, '*', FIELDS.command, 'not json');
  await redis.xadd(keys.commands, '*', 'x', 'no c field');
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify({ v: 1, kind: 'place', order_id: 'z' }));
  await redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify({ v: 1, kind: 'cancel', order_id: 'ghost', request_id: 'r1' }));
  const [last] = await append(redis, keys, [place('ok', 'Buy', 1, 1)]);
  await caughtUp(keys, last);
  expect((await storedOrder(redis, spec, keys, 'ok'))?.status).toBe('NEW');
  // Only the two well-formed commands left events; the three broken ones left nothing.
  const committed = await committedEvents(redis, keys);
  expect(committed.map(([, e]) => e[0].kind)).toEqual(['cancel_rejected', 'accepted']);
});

test('restart restores the snapshot, replays the rest without writing, and continues identically', async () => {
  const p = prefix();
  const keys = symbolKeys('BTC-KRW', p);
  const first = runner(p, { snapshotEvery: 25, batchSize: 10, trimCommands: true });
  await first.whenLeader();
  const cmds: object[] = [];
  for (let i = 0; i < 120; i++) {
    const side = i % 2 === 0 ? 'Sell' : 'Buy';
    cmds.push(place(`o${i}`, side, 50_000 + ((i * 7) % 11) - 5, 1 + (i % 5)));
    if (i % 10 === 9) cmds.push({ v: 1, kind: 'cancel', order_id: `o${i - 4}`, request_id: randomUUID() });
  }
  const ids = await append(redis, keys, cmds.slice(0, 100));
  await caughtUp(keys, ids[ids.length - 1]);
  // The next engine must replay a tail: when the batches happened to end on a snapshot, one more
  // command puts the position past it (one command is far fewer than `snapshotEvery`).
  let sent = 100;
  while (JSON.parse((await redis.get(keys.snapshot))!).position === ids[ids.length - 1]) {
    ids.push(...(await append(redis, keys, [cmds[sent++]!])));
    await caughtUp(keys, ids[ids.length - 1]);
  }
  await first.stop();
  const snap = JSON.parse((await redis.get(keys.snapshot))!);
  expect(snap.position < ids[ids.length - 1]).toBe(true);
  const eventsBefore = await redis.xlen(keys.events);

  const second = runner(p, { snapshotEvery: 25, batchSize: 10 });
  await second.whenLeader();
  expect(await redis.xlen(keys.events)).toBe(eventsBefore);
  const more = await append(redis, keys, cmds.slice(sent));
  await caughtUp(keys, more[more.length - 1]);

  // The commands before the previous snapshot may have been trimmed; compare the tail we still hold
  // against a fault-free reference built from an untrimmed copy of the same commands.
  const all = await allCommands(redis, keys);
  const trimmed = ids.length + more.length - all.length;
  const ref = referenceRun(spec, [...rebuildHead(ids.slice(0, trimmed), cmds), ...all]);
  const committed = await committedEvents(redis, keys);
  expect(committed).toEqual(ref.events.slice(ref.events.length - committed.length));
  for (const [id, view] of ref.views) {
    expect(await storedOrder(redis, spec, keys, id)).toEqual(view);
  }
});

/** The entries the engine trimmed, re-created with their original ids for the reference run. */
function rebuildHead(ids: string[], cmds: object[]) {
  return ids.map((id, i) => [id, [FIELDS.command, JSON.stringify(cmds[i])]] as [string, string[]]);
}
