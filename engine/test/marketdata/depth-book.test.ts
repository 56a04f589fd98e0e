import { seededRandom } from '@xtrader/platform';
import { DepthBook, DepthSide, type LevelSteps } from '../../src/marketdata/book';

/**
 * The depth side as it was before the tree: prices in a sorted array, spliced on every new or
 * removed level (O(levels) per update). Kept here as the oracle of what the tree must answer.
 */
class SplicedSide {
  private readonly prices: number[] = [];
  private readonly totals = new Map<number, number>();
  constructor(private readonly descending: boolean) {}
  set(price: number, lots: number): number {
    const current = this.totals.get(price);
    if (lots === 0) {
      if (current === undefined) return -1;
      this.totals.delete(price);
      const at = this.indexOf(price);
      this.prices.splice(at, 1);
      return at;
    }
    if (current === lots) return -1;
    this.totals.set(price, lots);
    const at = this.indexOf(price);
    if (current === undefined) this.prices.splice(at, 0, price);
    return at;
  }
  top(n: number): LevelSteps[] {
    return this.prices.slice(0, n).map((p) => [p, this.totals.get(p)!]);
  }
  private indexOf(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid];
      if (this.descending ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

test.each([1, 2, 3, 4, 5, 6, 7, 8])('on a random tape (seed %i) every update answers the same rank and the top levels are the same as the spliced array', (seed) => {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  for (const descending of [true, false]) {
    const tree = new DepthSide(descending);
    const old = new SplicedSide(descending);
    // Few distinct prices on some seeds (levels come and go), many on others (a deep book).
    const span = seed % 2 === 0 ? 40 : 5000;
    for (let step = 0; step < 20_000; step++) {
      const price = 1 + int(span);
      const lots = rnd() < 0.35 ? 0 : 1 + int(rnd() < 0.5 ? 3 : 1_000_000);
      expect(tree.set(price, lots)).toBe(old.set(price, lots));
      if (step % 97 === 0) expect(tree.top(50)).toEqual(old.top(50));
    }
    expect(tree.all()).toEqual(old.top(Number.MAX_SAFE_INTEGER));
    expect(tree.size).toBe(old.top(Number.MAX_SAFE_INTEGER).length);
    for (const n of [0, 1, 7, 50, 10_000]) expect(tree.top(n)).toEqual(old.top(n));
  }
});

test('a book restored from its levels gives back the same levels', () => {
  const rnd = seededRandom(11);
  const bids: LevelSteps[] = [];
  const asks: LevelSteps[] = [];
  for (let p = 1000; p > 0; p -= 1 + Math.floor(rnd() * 3)) bids.push([p, 1 + Math.floor(rnd() * 100)]);
  for (let p = 1001; p < 2000; p += 1 + Math.floor(rnd() * 3)) asks.push([p, 1 + Math.floor(rnd() * 100)]);
  const book = DepthBook.fromLevels(bids, asks);
  expect(book.bids.all()).toEqual(bids);
  expect(book.asks.all()).toEqual(asks);
});

// The spliced array moved every level behind the changed one: building a book of half a million
// levels best end first made that a quadratic number of moves, far beyond this test's time limit.
test('half a million levels, each new one the best, then all removed best first: every rank is 0 and the book is empty again', () => {
  const side = new DepthSide(true);
  const N = 500_000;
  let worst = 0;
  for (let p = 1; p <= N; p++) worst = Math.max(worst, side.set(p, 1));
  expect({ worst, size: side.size, top: side.top(2) }).toEqual({ worst: 0, size: N, top: [[N, 1], [N - 1, 1]] });
  for (let p = N; p >= 1; p--) worst = Math.max(worst, side.set(p, 0));
  expect({ worst, size: side.size, top: side.top(1) }).toEqual({ worst: 0, size: 0, top: [] });
}, 120_000);
