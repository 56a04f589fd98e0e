import BTree from 'sorted-btree';
import { MatchingCore } from '../../src/core';
import { BTC, ladder, limit, market, renderBook, sell } from './helpers';
import { randomTape } from './random-tape';

/**
 * How many levels `run` reads from the ordered trees of levels: one per next-level lookup (each a
 * search from the tree's root) plus one per level an iteration over a tree yields.
 */
function lookups(run: () => void): number {
  const proto = BTree.prototype as unknown as Record<'values' | 'entries', (...args: unknown[]) => Iterator<unknown>>;
  let visits = 0;
  const counting = (name: 'values' | 'entries') => {
    const original = proto[name];
    return jest.spyOn(proto, name).mockImplementation(function (this: unknown, ...args: unknown[]) {
      const it = original.apply(this, args);
      const wrapped = {
        next: () => {
          const r = it.next();
          if (r.done !== true) visits++;
          return r;
        },
        [Symbol.iterator]: () => wrapped,
      };
      return wrapped;
    });
  };
  const spies = [jest.spyOn(BTree.prototype, 'nextHigherPair'), counting('values'), counting('entries')];
  try {
    run();
    return visits + spies[0].mock.calls.length;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('empty price levels cost no walk', () => {
  test('a best price that empties again and again in front of emptied levels passes each of them at most once', () => {
    const core = new MatchingCore(BTC);
    for (let p = 1000; p < 1300; p++) core.apply(sell(`far${p}`, 1, p));
    for (let p = 101; p <= 250; p++) core.apply(sell(`near${p}`, 1, p));
    // One buy takes the 150 near levels: each empties as the best one (fewer empty levels than
    // non-empty ones, so none is dropped in bulk). The best ask is now 1000.
    expect(core.apply(limit('Buy', 'sweep', 150, 250, 'IOC')).filter((e) => e.kind === 'trade')).toHaveLength(150);

    const rounds = 20;
    const n = lookups(() => {
      // A new best ask in front of the emptied levels, taken at once: finding the next best after
      // it must not walk the 150 emptied levels every time.
      for (let r = 0; r < rounds; r++) {
        core.apply(sell(`touch${r}`, 1, 100));
        expect(core.apply(market('Buy', `taker${r}`, 1)).map((e) => e.kind)).toEqual(['accepted', 'trade', 'book']);
      }
    });
    expect(renderBook(core.depth(2))).toBe(ladder('ask 1001 x 1\nask 1000 x 1\n---'));
    expect(n).toBeLessThanOrEqual(150 + 3 * rounds);
  });

  test('a fill-or-kill market order is checked against the side total, without walking the levels', () => {
    const core = new MatchingCore(BTC);
    for (let p = 100; p < 600; p++) core.apply(sell(`s${p}`, 2, p));
    let kinds: string[] = [];
    const n = lookups(() => {
      kinds = core.apply(market('Buy', 'fok-big', 1001, 'FOK')).map((e) => e.kind);
    });
    expect(kinds).toEqual(['rejected']);
    expect(n).toBe(0);
    expect(core.apply(market('Buy', 'fok-fits', 1000, 'FOK')).filter((e) => e.kind === 'trade')).toHaveLength(500);
    expect(core.depth(1)).toEqual({ bids: [], asks: [] });
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
