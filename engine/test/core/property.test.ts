import type { MarketSpec } from '@xtrader/protocol';
import { MatchingCore } from '../../src/core';
import { markets } from './helpers';
import { randomTape } from './random-tape';
import { ReferenceMatcher } from './reference-matcher';

const TAPES = 100;
const COMMANDS = 10_000;
const specs: MarketSpec[] = [...markets.values()];

describe('MatchingCore against a naive reference matcher', () => {
  const seeds = Array.from({ length: TAPES }, (_, i) => 1000 + i);
  test.each(seeds)('random tape %i (10,000 commands): identical events and final book', (seed) => {
    const spec = specs[seed % specs.length];
    // Finished-id memories smaller than the tape, so forgetting old ids is exercised too (and the
    // reference's linear scan of them stays cheap).
    const capacity = seed % 4 === 0 ? 50 : 300;
    const core = new MatchingCore(spec, { recentIdCapacity: capacity });
    const reference = new ReferenceMatcher(spec, capacity);
    const tape = randomTape(seed, COMMANDS);
    let trades = 0;
    for (let i = 0; i < tape.length; i++) {
      const got = JSON.stringify(core.apply(tape[i]));
      const want = JSON.stringify(reference.apply(tape[i]));
      if (got !== want) {
        // Only build the (slow) diff on failure; the message names the command that diverged.
        expect({ command: i, cmd: tape[i], events: JSON.parse(got) }).toEqual({ command: i, cmd: tape[i], events: JSON.parse(want) });
      }
      trades += (got.match(/"kind":"trade"/g) ?? []).length;
    }
    const depth = reference.depth();
    expect(core.depth(1_000_000)).toEqual(depth);
    expect(core.openOrders).toBeGreaterThan(0);
    // The tape must actually exercise matching, not just resting orders.
    expect(trades).toBeGreaterThan(COMMANDS / 10);
  });
});
