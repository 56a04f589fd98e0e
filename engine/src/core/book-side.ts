import BTree, { simpleComparator } from 'sorted-btree';
import type { Side } from '@xtrader/protocol';
import { PriceLevel, type OrderPool } from './price-level';

/** Empty levels a side always may keep (see `emptied`); beyond it, at most as many as non-empty ones. */
const KEPT_EMPTY_LEVELS = 64;

/**
 * One side of the book: its price levels by price (O(1) lookup) and in priority order (a B+ tree
 * from `sorted-btree`). Bids are keyed by `-price` and asks by `price`, so on both sides the
 * smallest key is the best level and the same loops serve both.
 *
 * A level that becomes empty stays in both (marked by having no orders) until there are more than
 * KEPT_EMPTY_LEVELS empty levels and more empty than non-empty ones: prices near the touch empty and refill all the time, and reusing the
 * level skips a tree insert and delete each time (the tree was the largest cost of a shallow book).
 * Everything that reads levels skips the empty ones.
 */
export class BookSide {
  /** Every level in `ordered`, empty ones included. */
  private readonly byPrice = new Map<number, PriceLevel>();
  private readonly ordered = new BTree<number, PriceLevel>(undefined, simpleComparator as (a: number, b: number) => number);
  private emptyLevels = 0;
  /** The best non-empty level, kept at hand because every incoming order looks at it. */
  best: PriceLevel | undefined = undefined;
  /** Reused by `nextHigherPair` so walking the tree allocates nothing. */
  private readonly pair: [number, PriceLevel] = [0, undefined as unknown as PriceLevel];

  constructor(
    readonly side: Side,
    private readonly pool: OrderPool,
  ) {}

  /** The ordering key of a price on this side (smaller is better). */
  keyOf(priceTicks: number): number {
    return this.side === 'Buy' ? -priceTicks : priceTicks;
  }

  /**
   * The level at `priceTicks`, created or reused when there is none with orders. The caller
   * appends an order to it right away (`best` may already point to it).
   */
  levelFor(priceTicks: number): PriceLevel {
    let level = this.byPrice.get(priceTicks);
    if (level === undefined) {
      level = new PriceLevel(this.pool, this.side, priceTicks, this.keyOf(priceTicks));
      this.byPrice.set(priceTicks, level);
      this.ordered.set(level.sortKey, level);
    } else if (level.isEmpty) {
      this.emptyLevels--;
    }
    if (this.best === undefined || level.sortKey < this.best.sortKey) this.best = level;
    return level;
  }

  /** Notes that `level` has become empty (its last order filled or was cancelled). */
  emptied(level: PriceLevel): void {
    if (!level.isEmpty) throw new Error(`level ${level.priceTicks} reported empty while orders rest on it`);
    this.emptyLevels++;
    if (this.best === level) this.best = this.nonEmptyAfter(level.sortKey);
    if (this.emptyLevels > KEPT_EMPTY_LEVELS && this.emptyLevels > this.byPrice.size - this.emptyLevels) this.dropEmptyLevels();
  }

  /** The first non-empty level with a key above `key` (it walks at most the kept empty levels). */
  private nonEmptyAfter(key: number): PriceLevel | undefined {
    let next = this.ordered.nextHigherPair(key, this.pair);
    while (next !== undefined && next[1].isEmpty) next = this.ordered.nextHigherPair(next[0], this.pair);
    return next?.[1];
  }

  /** Forgets every empty level (amortised: it runs once per as many emptied levels as remain). */
  private dropEmptyLevels(): void {
    const empty: PriceLevel[] = [];
    for (const level of this.ordered.values()) if (level.isEmpty) empty.push(level);
    for (const level of empty) {
      this.byPrice.delete(level.priceTicks);
      this.ordered.delete(level.sortKey);
      this.pool.releaseLevel(level.id);
    }
    this.emptyLevels = 0;
  }

  /**
   * Whether at least `lots` rest at levels with key <= `limitKey` (a fill-or-kill check: it
   * walks whole levels, never single orders; empty levels add nothing).
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

  /** Non-empty levels best first. */
  levels(): PriceLevel[] {
    const out: PriceLevel[] = [];
    for (const level of this.ordered.values()) if (!level.isEmpty) out.push(level);
    return out;
  }

  /** The best `n` non-empty levels as [priceTicks, totalLots], best first. */
  depth(n: number): [number, number][] {
    const out: [number, number][] = [];
    if (n <= 0) return out;
    for (const level of this.ordered.values()) {
      if (level.isEmpty) continue;
      out.push([level.priceTicks, level.totalLots]);
      if (out.length >= n) break;
    }
    return out;
  }
}
