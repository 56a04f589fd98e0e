import BTree, { simpleComparator } from 'sorted-btree';
import type { Side } from '@xtrader/protocol';
import { PriceLevel, type OrderPool } from './price-level';

/**
 * One side of the book: its price levels by price (O(1) lookup) and in priority order (a B+ tree
 * from `sorted-btree`, touched only when a level appears or disappears). Bids are keyed by
 * `-price` and asks by `price`, so on both sides the smallest key is the best level and the
 * same loops serve both.
 */
export class BookSide {
  private readonly byPrice = new Map<number, PriceLevel>();
  private readonly ordered = new BTree<number, PriceLevel>(undefined, simpleComparator as (a: number, b: number) => number);
  /** The best level, kept at hand because every incoming order looks at it. */
  best: PriceLevel | undefined = undefined;

  constructor(
    readonly side: Side,
    private readonly pool: OrderPool,
  ) {}

  /** The ordering key of a price on this side (smaller is better). */
  keyOf(priceTicks: number): number {
    return this.side === 'Buy' ? -priceTicks : priceTicks;
  }

  get levelCount(): number {
    return this.byPrice.size;
  }

  level(priceTicks: number): PriceLevel | undefined {
    return this.byPrice.get(priceTicks);
  }

  /** The level at `priceTicks`, created (empty) when there is none. */
  levelFor(priceTicks: number): PriceLevel {
    let level = this.byPrice.get(priceTicks);
    if (level === undefined) {
      level = new PriceLevel(this.pool, this.side, priceTicks, this.keyOf(priceTicks));
      this.byPrice.set(priceTicks, level);
      this.ordered.set(level.sortKey, level);
      if (this.best === undefined || level.sortKey < this.best.sortKey) this.best = level;
    }
    return level;
  }

  /** Drops a level that has become empty. */
  dropLevel(level: PriceLevel): void {
    if (!level.isEmpty) throw new Error(`level ${level.priceTicks} dropped while orders rest on it`);
    this.byPrice.delete(level.priceTicks);
    this.ordered.delete(level.sortKey);
    this.pool.releaseLevel(level.id);
    if (this.best === level) this.best = this.ordered.nextHigherPair(level.sortKey)?.[1];
  }

  /**
   * Whether at least `lots` rest at levels with key <= `limitKey` (a fill-or-kill check: it
   * walks whole levels, never single orders).
   */
  canFill(lots: number, limitKey: number): boolean {
    let available = 0;
    for (const level of this.ordered.values()) {
      if (level.sortKey > limitKey) return false;
      available += level.totalLots;
      if (available >= lots) return true;
    }
    return false;
  }

  /** Levels best first. */
  levels(): IterableIterator<PriceLevel> {
    return this.ordered.values();
  }

  /** The best `n` levels as [priceTicks, totalLots], best first. */
  depth(n: number): [number, number][] {
    const out: [number, number][] = [];
    if (n <= 0) return out;
    for (const level of this.ordered.values()) {
      out.push([level.priceTicks, level.totalLots]);
      if (out.length >= n) break;
    }
    return out;
  }
}
