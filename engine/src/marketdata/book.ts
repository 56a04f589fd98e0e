/**
 * The aggregated order book as market data sees it: total lots per price level, kept from the
 * core's `book` events (each one is the new total at one level; 0 removes it). Prices are kept
 * sorted best-first so the top levels are a slice, and a level just below the published top is
 * known when a level above it disappears.
 */
export type LevelSteps = [priceTicks: number, lots: number];

export class DepthSide {
  /** Prices best first: descending for bids, ascending for asks. */
  private readonly prices: number[] = [];
  private readonly totals = new Map<number, number>();

  constructor(private readonly descending: boolean) {}

  /**
   * Sets the total at a level (0 deletes it). Returns the level's rank (0 = best) before a
   * removal or after an insert or update, or -1 when nothing changed: the caller can tell
   * whether the top levels moved.
   */
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

  /** The best `n` levels, best first. */
  top(n: number): LevelSteps[] {
    const out: LevelSteps[] = [];
    const end = Math.min(n, this.prices.length);
    for (let i = 0; i < end; i++) out.push([this.prices[i], this.totals.get(this.prices[i])!]);
    return out;
  }

  /** Every level, best first (for snapshots). */
  all(): LevelSteps[] {
    return this.top(this.prices.length);
  }

  get size(): number {
    return this.prices.length;
  }

  /** Binary search: the position of `price`, or where it would be inserted. */
  private indexOf(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid];
      const before = this.descending ? p > price : p < price;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class DepthBook {
  readonly bids = new DepthSide(true);
  readonly asks = new DepthSide(false);

  static fromLevels(bids: LevelSteps[], asks: LevelSteps[]): DepthBook {
    const book = new DepthBook();
    for (const [p, q] of bids) book.bids.set(p, q);
    for (const [p, q] of asks) book.asks.set(p, q);
    return book;
  }

  side(side: 'Buy' | 'Sell'): DepthSide {
    return side === 'Buy' ? this.bids : this.asks;
  }
}
