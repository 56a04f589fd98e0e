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
 * A level that empties stays in both for now: prices near the touch empty and refill all the time,
 * and an order coming back to one reuses its level (no tree insert and delete; the tree was the
 * largest cost of a shallow book). When the best level empties, the next best is looked up in the
 * tree, and every empty level that lookup passes is dropped on the way: no empty level is ever
 * passed twice, so finding the next best costs O(log levels) amortised per level emptied, whatever
 * the book's history. Besides, when there are more than KEPT_EMPTY_LEVELS empty levels and more
 * empty than non-empty ones, they are all dropped. A dropped level object goes to a spare list and
 * serves the next new price, so opening a level allocates nothing once the side has had as many.
 */
export class BookSide {
  /** Every level in `ordered`, the kept empty ones included. */
  private readonly byPrice = new Map<number, PriceLevel>();
  private readonly ordered = new BTree<number, PriceLevel>(undefined, simpleComparator as (a: number, b: number) => number);
  private emptyLevels = 0;
  /** The best non-empty level, kept at hand because every incoming order looks at it. */
  best: PriceLevel | undefined = undefined;
  /** Sum of the remaining lots of every order on this side (kept by its levels). */
  totalLots = 0;
  /** Level objects no longer in the book, reused for new prices. */
  private readonly spare: PriceLevel[] = [];
  /** Reused by `nextHigherPair` so looking up the next level allocates nothing. */
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
      level = this.spare.pop() ?? new PriceLevel(this.pool, this);
      level.open(priceTicks, this.keyOf(priceTicks));
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
    if (this.best === level) this.best = this.after(level);
    if (this.emptyLevels > KEPT_EMPTY_LEVELS && this.emptyLevels > this.byPrice.size - this.emptyLevels) this.dropEmptyLevels();
  }

  private drop(level: PriceLevel): void {
    if (level.isEmpty) this.emptyLevels--;
    this.byPrice.delete(level.priceTicks);
    this.ordered.delete(level.sortKey);
    this.spare.push(level);
  }

  /** Drops every kept empty level (amortised: it runs once per as many emptied levels as remain). */
  private dropEmptyLevels(): void {
    const empty: PriceLevel[] = [];
    for (const level of this.ordered.values()) if (level.isEmpty) empty.push(level);
    for (const level of empty) this.drop(level);
  }

  /** The first non-empty level after `level` in priority order; drops the empty ones it passes. */
  private after(level: PriceLevel): PriceLevel | undefined {
    let next = this.ordered.nextHigherPair(level.sortKey, this.pair);
    while (next !== undefined && next[1].isEmpty) {
      const empty = next[1];
      this.drop(empty);
      next = this.ordered.nextHigherPair(empty.sortKey, this.pair);
    }
    return next === undefined ? undefined : next[1];
  }

  /**
   * Whether at least `lots` rest at levels with key <= `limitKey` (a fill-or-kill check). The side's
   * total answers when it is too small or when every price is acceptable (a market order); otherwise
   * it walks whole levels from the best, never single orders, and stops at the limit or once enough
   * is found.
   */
  canFill(lots: number, limitKey: number): boolean {
    if (lots > this.totalLots) return false;
    if (limitKey === Infinity) return true;
    let available = 0;
    for (let level = this.best; level !== undefined; level = this.after(level)) {
      if (level.sortKey > limitKey) return false;
      available += level.totalLots;
      if (available >= lots) return true;
    }
    return false;
  }

  /** Non-empty levels best first. */
  levels(): PriceLevel[] {
    const out: PriceLevel[] = [];
    if (this.best === undefined) return out;
    for (const level of this.ordered.values(this.best.sortKey)) if (!level.isEmpty) out.push(level);
    return out;
  }

  /** The best `n` non-empty levels as [priceTicks, totalLots], best first. */
  depth(n: number): [number, number][] {
    const out: [number, number][] = [];
    if (n <= 0 || this.best === undefined) return out;
    for (const level of this.ordered.values(this.best.sortKey)) {
      if (level.isEmpty) continue;
      out.push([level.priceTicks, level.totalLots]);
      if (out.length >= n) break;
    }
    return out;
  }
}
