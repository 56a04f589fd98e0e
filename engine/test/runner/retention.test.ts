import { randomBytes } from 'node:crypto';
import { waitFor } from '@xtrader/platform';
import { FIELDS, LEDGER_POSITIONS, ledgerShardKeys, symbolKeys } from '@xtrader/protocol';
import { append, place, runnerSuite, storedOrder } from './helpers';

const suite = runnerSuite();
const { runner, spec } = suite;

async function caughtUp(keys: ReturnType<typeof symbolKeys>, id: string): Promise<void> {
  await waitFor(`the engine to commit up to ${id}`, async () => (await suite.redis.get(keys.position)) === id, { timeoutMs: 60_000, intervalMs: 20 });
}

/** How many order keys (states and fill lists) the symbol holds in Redis. */
async function storedOrders(keys: ReturnType<typeof symbolKeys>): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, found] = await suite.redis.scan(cursor, 'MATCH', keys.order('*'), 'COUNT', 1000);
    n += found.length;
    cursor = next;
  } while (cursor !== '0');
  return n;
}

test('finished order states are kept up to ENGINE_FINISHED_MAX: the oldest go first, open orders stay', async () => {
  const p = `ret-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys('BTC-KRW', p);
  runner(p, { finishedMax: 500, batchSize: 100 });
  // A resting order first (it must survive), then 3,000 crossing pairs: 6,000 finished orders.
  const cmds: object[] = [place('resting', 'Buy', 40_000, 1)];
  for (let i = 0; i < 3000; i++) cmds.push(place(`s${i}`, 'Sell', 50_000, 1), place(`b${i}`, 'Buy', 50_000, 1));
  const ids = await append(suite.redis, keys, cmds);
  await caughtUp(keys, ids[ids.length - 1]);
  // Each commit deletes what the read after the previous one found: the last of it comes with
  // the next commits (clock commands here, which change no order).
  await waitFor(
    'the finished orders to be trimmed to their bound',
    async () => {
      await caughtUp(keys, (await append(suite.redis, keys, [{ v: 1, kind: 'clock' }]))[0]);
      return (await suite.redis.llen(keys.finished)) <= 500 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  // Every stored order is either open or among the newest finished ones, each finished one with its fills.
  expect(await storedOrders(keys)).toBe(500 * 2 + 1);
  expect(await storedOrder(suite.redis, spec, keys, 'resting')).toMatchObject({ status: 'NEW' });
  expect(await storedOrder(suite.redis, spec, keys, 's0')).toBeUndefined();
  expect(await storedOrder(suite.redis, spec, keys, 'b2999')).toMatchObject({ status: 'FILLED' });
  const finished = await suite.redis.lrange(keys.finished, 0, -1);
  expect(new Set(finished).size).toBe(finished.length);
  for (const id of finished.slice(0, 20)) expect(await suite.redis.exists(keys.order(id))).toBe(1);
});

test('the events stream loses entries past ENGINE_EVENTS_MAX_AGE_MS after the next snapshot, but never one a ledger shard has not applied', async () => {
  const p = `ret-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys('BTC-KRW', p);
  // Two entries an hour old (ids carry the server's time), as a long-running symbol would hold;
  // the one ledger shard has applied the first only.
  const hourAgo = Date.now() - 3_600_000;
  const [old1, old2] = [`${hourAgo}-0`, `${hourAgo}-1`];
  for (const id of [old1, old2]) await suite.redis.xadd(keys.events, id, FIELDS.first, '0-1', FIELDS.last, '0-1', FIELDS.events, '[]');
  await suite.redis.hset(ledgerShardKeys(0, p).positions, LEDGER_POSITIONS.events('BTC-KRW'), old1);
  runner(p, { eventsMaxAgeMs: 600_000, snapshotEvery: 1, ledgerShards: 1 });
  const ids = await append(suite.redis, keys, [place('s1', 'Sell', 50_000, 1), place('b1', 'Buy', 50_000, 1)]);
  await caughtUp(keys, ids[1]);
  await waitFor('the snapshot at the last command', async () => ((JSON.parse((await suite.redis.get(keys.snapshot)) ?? '{}') as { position?: string }).position === ids[1] ? true : undefined), { intervalMs: 20 });
  // Older than the age bound, but the shard still reads on from the first: both stay.
  expect((await suite.redis.xrange(keys.events, '-', '+')).slice(0, 2).map(([id]) => id)).toEqual([old1, old2]);
  // The shard moves on: the age bound now trims the old entries, not the young ones.
  await suite.redis.hset(ledgerShardKeys(0, p).positions, LEDGER_POSITIONS.events('BTC-KRW'), (await suite.redis.xrange(keys.events, '-', '+')).pop()![0]);
  const more = await append(suite.redis, keys, [place('s2', 'Sell', 50_000, 1)]);
  await caughtUp(keys, more[0]);
  await waitFor('the age trim', async () => ((await suite.redis.xrange(keys.events, '-', '+')).every(([id]) => id !== old1 && id !== old2) ? true : undefined), { timeoutMs: 20_000, intervalMs: 20 });
  expect((await suite.redis.xrange(keys.events, '-', '+')).length).toBeGreaterThan(0);
});
