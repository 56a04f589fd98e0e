import type { CoreSnapshot } from '../../src/core';
import { InvalidSnapshotError, MatchingCore } from '../../src/core';
import { BTC, markets, prng, sell } from './helpers';
import { randomTape } from './random-tape';

/** A snapshot as it comes back from Redis: through JSON text, no shared objects. */
const roundTrip = (snap: CoreSnapshot): CoreSnapshot => JSON.parse(JSON.stringify(snap));

describe('MatchingCore snapshot and restore', () => {
  test.each([1, 2, 3, 4, 5, 6])('snapshot at a random point of tape %i (odd ones with owners, STP and budgets), restore, continue: byte-identical events', (seed) => {
    const spec = [...markets.values()][seed % markets.size];
    const tape = randomTape(7000 + seed, 10_000, { accounts: seed % 2 === 1, amends: seed % 2 === 1 });
    const cut = Math.floor(prng(seed)() * tape.length);
    const capacity = seed % 2 === 0 ? 50 : undefined;
    const original = new MatchingCore(spec, { recentIdCapacity: capacity });
    for (let i = 0; i < cut; i++) original.apply(tape[i]);

    const restored = MatchingCore.restore(spec, roundTrip(original.snapshot()));
    expect(restored.lastSequence).toBe(original.lastSequence);
    expect(restored.openOrders).toBe(original.openOrders);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));

    for (let i = cut; i < tape.length; i++) {
      const want = JSON.stringify(original.apply(tape[i]));
      const got = JSON.stringify(restored.apply(tape[i]));
      if (got !== want) expect({ command: i, events: got }).toEqual({ command: i, events: want });
    }
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(original.snapshot()));
  });

  test('a snapshot of a fresh core restores to a fresh core', () => {
    const restored = MatchingCore.restore(BTC, roundTrip(new MatchingCore(BTC).snapshot()));
    expect(restored.lastSequence).toBe(0);
    expect(restored.apply(sell('a', 1, 100))[0].seq).toBe(1);
  });

  test('the snapshot lists levels best first and orders in time priority', () => {
    const core = new MatchingCore(BTC);
    core.apply(sell('s1', 1, 101));
    core.apply(sell('s2', 2, 100));
    core.apply(sell('s3', 3, 100));
    expect(core.snapshot()).toEqual({
      v: 1,
      symbol: 'BTC-KRW',
      seq: 9,
      bids: [],
      asks: [
        [100, [['s2', 2], ['s3', 3]]],
        [101, [['s1', 1]]],
      ],
      recent_capacity: 10_000,
      recent: [],
    });
  });

  test('restore refuses a snapshot of another symbol or an impossible book', () => {
    const snap = roundTrip(new MatchingCore(BTC).snapshot());
    expect(() => MatchingCore.restore(markets.get('AAPL')!, snap)).toThrow(InvalidSnapshotError);
    expect(() => MatchingCore.restore(BTC, { ...snap, asks: [[100, [['a', 1]]], [100, [['b', 1]]]] })).toThrow(/strictly best first/);
    expect(() => MatchingCore.restore(BTC, { ...snap, asks: [[100, [['a', 1]]]], bids: [[90, [['a', 1]]]] })).toThrow(/appears twice/);
    expect(() => MatchingCore.restore(BTC, { ...snap, asks: [[100, [['a', 0]]]] })).toThrow(/bad quantity/);
    expect(() => MatchingCore.restore(BTC, { ...snap, recent_capacity: 1, recent: ['x', 'y'] })).toThrow(InvalidSnapshotError);
  });
});
