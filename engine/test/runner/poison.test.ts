import { randomBytes } from 'node:crypto';
import { waitFor, type Logger } from '@xtrader/platform';
import { symbolKeys, type EngineEvent } from '@xtrader/protocol';
import { RunnerMetrics, SymbolState, type RawEntry } from '../../src/runner';
import { allCommands, append, committedEvents, place, runnerSuite, storedOrder } from './helpers';

const suite = runnerSuite();
const { runner, spec } = suite;

/** A logger that keeps every line (message and fields), for the assertions on what was logged. */
function recordingLogger(): Logger & { lines: { lvl: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { lvl: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (lvl: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ lvl, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The published depth after `entries`, applied to a fresh state (the run the engine should match). */
function depthOf(entries: RawEntry[]) {
  const state = SymbolState.fresh(spec);
  for (const entry of entries) state.applyEntry(entry);
  return state.md.takeChanges().depth!;
}

async function caughtUp(keys: ReturnType<typeof symbolKeys>, id: string): Promise<void> {
  await waitFor(`the engine to commit up to ${id}`, async () => (await suite.redis.get(keys.position)) === id, { timeoutMs: 20_000, intervalMs: 20 });
}

/**
 * A command that passes the stream contract but whose application throws (not a contract
 * refusal): the second order at a price whose total would pass Number.MAX_SAFE_INTEGER lots. It
 * fails the same way on every try, so retrying it can only wedge the symbol.
 */
const POISON_QTY = Number.MAX_SAFE_INTEGER;

test('a command that always fails is retried a bounded number of times, then rejected with ENGINE_ERROR; later orders trade and the book has nothing of it', async () => {
  const p = `poison-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys('BTC-KRW', p);
  const log = recordingLogger();
  const metrics = new RunnerMetrics();
  runner(p, { log, metrics, poisonTries: 3 });
  const ids = await append(suite.redis, keys, [
    place('s1', 'Sell', 50_000, 5),
    place('poison', 'Sell', 50_000, POISON_QTY, { account_id: 'mallory' }),
    place('b1', 'Buy', 50_000, 2),
    place('s2', 'Sell', 50_100, 3),
  ]);
  await caughtUp(keys, ids[3]);

  // The poison order's owner learns it: rejected with a code, in its stored state and the events.
  expect(await storedOrder(suite.redis, spec, keys, 'poison')).toMatchObject({ status: 'REJECTED', reject_reason: 'ENGINE_ERROR' });
  expect(await suite.redis.sismember(keys.accountOpen('mallory'), 'poison')).toBe(0);
  const events = new Map(await committedEvents(suite.redis, keys));
  expect(events.get(ids[1])).toEqual([expect.objectContaining({ kind: 'rejected', order_id: 'poison', code: 'ENGINE_ERROR' })]);
  // The later orders traded: the position moved and the book is what it would be without the poison command.
  expect(await storedOrder(suite.redis, spec, keys, 'b1')).toMatchObject({ status: 'FILLED' });
  const depth = JSON.parse((await suite.redis.get(keys.depth))!) as { bids: unknown[]; asks: unknown[] };
  const ref = depthOf((await allCommands(suite.redis, keys)).filter(([id]) => id !== ids[1]));
  expect({ bids: depth.bids, asks: depth.asks }).toEqual({ bids: ref.bids, asks: ref.asks });
  // Tried exactly as often as configured, then recorded: a log line and a metric.
  const failures = log.lines.filter((l) => l.msg === 'engine loop error; recovering');
  expect(failures).toHaveLength(3);
  expect(log.lines.filter((l) => l.msg === 'poison command skipped')).toEqual([
    expect.objectContaining({ lvl: 'error', fields: expect.objectContaining({ command: ids[1], tries: 3, code: 'ENGINE_ERROR' }) }),
  ]);
  expect((await metrics.registry.getSingleMetricAsString('xt_engine_commands_poisoned_total')).trim().split('\n').pop()).toBe(
    'xt_engine_commands_poisoned_total{symbol="BTC-KRW"} 1',
  );
});

test('the skip is committed with its batch: a restarted engine replays past the poison command without trying it and gives the same events', async () => {
  const p = `poison-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys('BTC-KRW', p);
  const first = runner(p, { log: recordingLogger(), poisonTries: 2 });
  const ids = await append(suite.redis, keys, [place('s1', 'Sell', 50_000, 5), place('poison', 'Sell', 50_000, POISON_QTY), place('b1', 'Buy', 50_000, 1)]);
  await caughtUp(keys, ids[2]);
  await first.stop();
  const before = await committedEvents(suite.redis, keys);

  // No snapshot yet: the next engine replays the whole stream, poison command included.
  expect(await suite.redis.get(keys.snapshot)).toBeNull();
  const log = recordingLogger();
  const second = runner(p, { log, poisonTries: 2 });
  await second.whenLeader();
  const more = await append(suite.redis, keys, [place('b2', 'Buy', 50_000, 1)]);
  await caughtUp(keys, more[0]);
  expect(log.lines.filter((l) => l.lvl === 'warn' || l.lvl === 'error')).toEqual([]);
  expect(log.lines.find((l) => l.msg === 'state recovered')?.fields).toMatchObject({ replayed: 3, position: ids[2] });
  const after = await committedEvents(suite.redis, keys);
  expect(after.slice(0, before.length)).toEqual(before);
  const b2 = after.find(([id]) => id === more[0])![1] as EngineEvent[];
  expect(b2).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'trade', maker_order_id: 's1', taker_order_id: 'b2' })]));
  expect(await storedOrder(suite.redis, spec, keys, 's1')).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.0002 });
});

test('a snapshot past the skip empties the skipped list, and an engine restored from it has the same book', async () => {
  const p = `poison-${randomBytes(4).toString('hex')}`;
  const keys = symbolKeys('BTC-KRW', p);
  const first = runner(p, { log: recordingLogger(), poisonTries: 1, batchSize: 1, snapshotEvery: 3 });
  const ids = await append(suite.redis, keys, [place('s1', 'Sell', 50_000, 5), place('poison', 'Sell', 50_000, POISON_QTY), place('b1', 'Buy', 50_000, 1)]);
  await caughtUp(keys, ids[2]);
  expect(JSON.parse((await suite.redis.get(keys.snapshot))!)).toMatchObject({ position: ids[2] });
  expect(await suite.redis.exists(keys.skipped)).toBe(0);
  const depth = JSON.parse((await suite.redis.get(keys.depth))!) as { asks: unknown[] };
  await first.stop();

  const log = recordingLogger();
  runner(p, { log });
  const more = await append(suite.redis, keys, [place('b2', 'Buy', 50_000, 4)]);
  await caughtUp(keys, more[0]);
  expect(log.lines.find((l) => l.msg === 'state recovered')?.fields).toMatchObject({ snapshot: ids[2], replayed: 0 });
  expect(depth.asks).toEqual(depthOf((await allCommands(suite.redis, keys)).filter(([id]) => id !== ids[1] && id !== more[0])).asks);
  expect(await storedOrder(suite.redis, spec, keys, 's1')).toMatchObject({ status: 'FILLED' });
  expect(JSON.parse((await suite.redis.get(keys.depth))!)).toMatchObject({ asks: [] });
});
