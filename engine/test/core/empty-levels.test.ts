import { countLevelLookups } from '../../bench/level-lookups';
import { MatchingCore } from '../../src/core';
import { BookSide, FILL_CHECK_WALK, WINDOW_TICKS } from '../../src/core/book-side';
import { BTC, buy, cancel, ladder, limit, market, renderBook, sell } from './helpers';
import { randomTape } from './random-tape';

const lookups = countLevelLookups;

/** The side a fill-or-kill buy is checked against, to read what its last check read. */
const asksOf = (core: MatchingCore) => (core as unknown as { asks: BookSide }).asks;

describe('empty price levels cost no walk', () => {
  test('a best price that empties again and again in front of emptied levels costs one lookup each time', () => {
    const core = new MatchingCore(BTC);
    for (let p = 1000; p < 1300; p++) core.apply(sell(`far${p}`, 1, p));
    // 150 levels in front of them, opened and emptied one by one (cancels, a sweep).
    for (let p = 101; p <= 250; p++) core.apply(sell(`near${p}`, 1, p));
    for (let p = 101; p <= 175; p++) core.apply(cancel(`near${p}`));
    expect(core.apply(limit('Buy', 'sweep', 75, 250, 'IOC')).filter((e) => e.kind === 'trade')).toHaveLength(75);

    const rounds = 20;
    const n = lookups(() => {
      // A new best ask in front of the emptied prices, taken at once, then one placed and cancelled.
      for (let r = 0; r < rounds; r++) {
        core.apply(sell(`touch${r}`, 1, 100 + r));
        expect(core.apply(market('Buy', `taker${r}`, 1)).map((e) => e.kind)).toEqual(['accepted', 'trade', 'book']);
        core.apply(sell(`gone${r}`, 1, 120 + r));
        core.apply(cancel(`gone${r}`));
      }
    });
    expect(renderBook(core.depth(2))).toBe(ladder('ask 1001 x 1\nask 1000 x 1\n---'));
    expect(n).toBe(2 * rounds);
  });

  test('a best level far outside the price window empties: the next best is found in one lookup', () => {
    const core = new MatchingCore(BTC);
    for (let p = 100_000; p < 100_100; p++) core.apply(sell(`s${p}`, 1, p));
    core.apply(sell('far', 1, 100_000 + 4 * WINDOW_TICKS));
    core.apply(buy('b', 1, 900));
    // A better ask far below the window (the window stays where the book is), then taken.
    core.apply(sell('low', 1, 1_000));
    const n = lookups(() => {
      expect(core.apply(market('Buy', 'take', 1)).map((e) => e.kind)).toEqual(['accepted', 'trade', 'book']);
    });
    expect(n).toBeLessThanOrEqual(2);
    expect(renderBook(core.depth(1))).toBe(ladder('ask 100000 x 1\n---\nbid 900 x 1'));
  });

  test('a fill-or-kill market order is checked against the side total, without reading a level', () => {
    const core = new MatchingCore(BTC);
    for (let p = 100; p < 600; p++) core.apply(sell(`s${p}`, 2, p));
    let kinds: string[] = [];
    const n = lookups(() => {
      kinds = core.apply(market('Buy', 'fok-big', 1001, 'FOK')).map((e) => e.kind);
    });
    expect(kinds).toEqual(['rejected']);
    expect(n).toBe(0);
    expect(asksOf(core).fillCheckReads).toBe(0);
    expect(core.apply(market('Buy', 'fok-fits', 1000, 'FOK')).filter((e) => e.kind === 'trade')).toHaveLength(500);
    expect(core.depth(1)).toEqual({ bids: [], asks: [] });
  });

  test('a fill-or-kill limit order over thousands of levels reads a few levels and O(log window) sums, not every level', () => {
    const core = new MatchingCore(BTC);
    const levels = 5_000;
    for (let p = 0; p < levels; p++) core.apply(sell(`s${p}`, 2, 10_000 + 3 * p));
    const bound = FILL_CHECK_WALK + Math.log2(WINDOW_TICKS);
    const check = (id: string, qty: number, price: number) => {
      const kinds = core.apply(limit('Buy', id, qty, price, 'FOK')).map((e) => e.kind);
      expect(asksOf(core).fillCheckReads).toBeLessThanOrEqual(bound);
      return kinds;
    };
    // Every level but the last is at an acceptable price: one lot too many is refused...
    expect(check('fok-no', 2 * (levels - 1) + 1, 10_000 + 3 * (levels - 2))).toEqual(['rejected']);
    // ... and after cancels and fills change the totals, the sums follow.
    for (let p = 0; p < levels; p += 7) core.apply(cancel(`s${p}`));
    const left = (price: number) => core.depth(levels).asks.filter(([p]) => p <= price).reduce((sum, [, lots]) => sum + lots, 0);
    const limitPrice = 10_000 + 3 * 4_000;
    expect(check('fok-no2', left(limitPrice) + 1, limitPrice)).toEqual(['rejected']);
    const kinds = check('fok-yes', left(limitPrice), limitPrice);
    expect(kinds.filter((k) => k === 'trade').length).toBeGreaterThan(3_000);
    expect(core.depth(1).asks[0][0]).toBe(10_000 + 3 * 4_001);
  });

  test.each([3, 11, 42])('over a random tape (seed %i), levels are looked up at most about once per command', (seed) => {
    const core = new MatchingCore(BTC);
    const tape = randomTape(seed, 10_000);
    const n = lookups(() => {
      for (const c of tape) core.apply(c);
    });
    expect(n / tape.length).toBeLessThan(1);
  });
});
