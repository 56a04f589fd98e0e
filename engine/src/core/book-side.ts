import BTree, { simpleComparator } from 'sorted-btree';
import type { Side } from '@xtrader/protocol';
import { PriceLevel, type OrderPool } from './price-level';

/**
 * Width of a side's price window in ticks (2^17: a price can move by half its value and more
 * without leaving it at the tick sizes of the configured markets).
 */
export const WINDOW_TICKS = 1 << 17;
/** Levels a fill-or-kill check reads one by one from the best before it sums the rest with its Fenwick tree. */
export const FILL_CHECK_WALK = 8;

/** The index of the lowest set bit of a non-zero int32. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * One side of the book: its price levels in priority order. Bids are keyed by `-price` and asks by
 * `price`, so on both sides the smallest key is the best level and the same code serves both.
 *
 * Only levels with orders exist: a level that empties leaves the side at once (its object goes to
 * a spare list and serves the next new price, so opening a level allocates nothing once the side
 * has had as many). Levels live in a window of WINDOW_TICKS consecutive keys, one array slot per
 * key, with a three-level bitmap of the occupied slots: the level at a price is one array read,
 * and the next best after a level is the next set bit (at most three word reads plus a scan of
 * the top words, four for the default width), whatever the book's history and however many prices emptied on the way.
 * Levels outside the window (a price that ran away from where the window was placed) are kept in
 * a B+ tree (`sorted-btree`) instead, O(log levels); once more levels have been opened outside
 * than the bitmap has words plus the number of levels, the window is placed again in front of the
 * best price (rebuilding costs O(words + levels), paid for by those openings).
 *
 * A fill-or-kill check reads at most FILL_CHECK_WALK levels from the best, then sums the level
 * totals at acceptable prices with a Fenwick tree over the window (O(log width)), built the first
 * time a check needs it and kept up to date lazily: a level whose total changes is put on a list
 * once, and the list is applied at the next check. Levels outside the window at acceptable prices
 * are summed one by one.
 */
export class BookSide {
  /** The level of each key of the window (key - base), undefined for none. */
  private readonly slots: (PriceLevel | undefined)[];
  /** Bit s of bits0 is set iff slot s has a level; bit w of bits1 iff word w of bits0 is not 0; bits2 likewise over bits1. */
  private readonly bits0: Int32Array;
  private readonly bits1: Int32Array;
  private readonly bits2: Int32Array;
  /** Word counts of bits0..bits2. */
  private readonly words0: number;
  private readonly words1: number;
  private readonly words2: number;
  /** Where the window starts when it is placed: this far in front of the best price. */
  private readonly lead: number;
  /** The key of slot 0; placed when the first level opens on an empty side. */
  private base = 0;
  /** Levels outside the window, by key. */
  private readonly outside = new BTree<number, PriceLevel>(undefined, simpleComparator as (a: number, b: number) => number);
  private outsideOpened = 0;
  private levelCount = 0;
  /** The best level, kept at hand because every incoming order looks at it. */
  best: PriceLevel | undefined = undefined;
  /** Sum of the remaining lots of every order on this side (kept by its levels). */
  totalLots = 0;
  /** Level objects no longer in the book, reused for new prices. */
  private readonly spare: PriceLevel[] = [];
  /** Reused by the tree lookups so they allocate nothing. */
  private readonly pair: [number, PriceLevel] = [0, undefined as unknown as PriceLevel];
  /** Fenwick tree of the level totals over the window (1-based), made by the first fill-or-kill limit check. */
  private sums: Float64Array | undefined = undefined;
  /** Levels whose total or place changed since `sums` was last brought up to date (each once). */
  private readonly changed: PriceLevel[] = [];
  /** Levels and tree nodes the last `canFill` read (what its complexity test counts). */
  fillCheckReads = 0;

  /** `windowTicks`: the window's width, a power of two >= 32 (smaller ones serve tests). */
  constructor(
    readonly side: Side,
    private readonly pool: OrderPool,
    private readonly windowTicks = WINDOW_TICKS,
  ) {
    if (!(Number.isSafeInteger(windowTicks) && windowTicks >= 32 && windowTicks <= 2 ** 30 && (windowTicks & (windowTicks - 1)) === 0)) {
      throw new Error(`price window of ${windowTicks} ticks: a power of two from 32 to 2^30`);
    }
    this.slots = new Array<PriceLevel | undefined>(windowTicks).fill(undefined);
    this.words0 = windowTicks >>> 5;
    this.words1 = Math.ceil(this.words0 / 32);
    this.words2 = Math.ceil(this.words1 / 32);
    this.bits0 = new Int32Array(this.words0);
    this.bits1 = new Int32Array(this.words1);
    this.bits2 = new Int32Array(this.words2);
    this.lead = windowTicks >>> 2;
  }

  /** The ordering key of a price on this side (smaller is better). */
  keyOf(priceTicks: number): number {
    return this.side === 'Buy' ? -priceTicks : priceTicks;
  }

  /**
   * The level at `priceTicks`, opened when there is none. The caller appends an order to it right
   * away (`best` may already point to it).
   */
  levelFor(priceTicks: number): PriceLevel {
    const key = this.side === 'Buy' ? -priceTicks : priceTicks;
    const width = this.windowTicks;
    if (this.levelCount === 0) this.base = key - this.lead;
    let slot = key - this.base;
    let level: PriceLevel | undefined;
    if (slot >= 0 && slot < width) {
      level = this.slots[slot];
      if (level !== undefined) return level;
    } else {
      level = this.outside.get(key);
      if (level !== undefined) return level;
      // Levels opened outside the window since it was placed: beyond the bitmap's word count
      // plus the number of levels, placing it again is paid for.
      if (++this.outsideOpened > this.words0 + this.levelCount) {
        this.place(Math.min(key, this.best!.sortKey) - this.lead);
        slot = key - this.base;
      }
    }
    level = this.spare.pop() ?? new PriceLevel(this.pool, this);
    level.open(priceTicks, key);
    this.levelCount++;
    if (slot >= 0 && slot < width) this.insertSlot(level, slot);
    else this.outside.set(key, level);
    if (this.best === undefined || key < this.best.sortKey) this.best = level;
    return level;
  }

  /** Takes `level`, whose last order just filled or was cancelled, off the side. */
  emptied(level: PriceLevel): void {
    if (!level.isEmpty) throw new Error(`level ${level.priceTicks} reported empty while orders rest on it`);
    const slot = level.slot;
    if (slot >= 0) this.removeSlot(level, slot);
    else this.outside.delete(level.sortKey);
    this.levelCount--;
    this.spare.push(level);
    if (this.best === level) this.best = this.levelCount === 0 ? undefined : this.nextAfter(slot);
  }

  /** Notes that `level`'s total changed (for the fill-or-kill sums; called by the level, once until they are updated). */
  noteChanged(level: PriceLevel): void {
    level.changed = true;
    this.changed.push(level);
  }

  /** The level after `level` (one of this side's) in priority order, or undefined. */
  after(level: PriceLevel): PriceLevel | undefined {
    if (level.slot >= 0) {
      const next = this.nextSlot(level.slot + 1);
      if (next >= 0) return this.slots[next];
      return this.outside.size === 0 ? undefined : this.outside.nextHigherPair(this.base + this.windowTicks - 1, this.pair)?.[1];
    }
    const next = this.outside.size === 0 ? undefined : this.outside.nextHigherPair(level.sortKey, this.pair)?.[1];
    if (level.sortKey > this.base) return next;
    const first = this.nextSlot(0);
    return first >= 0 && (next === undefined || next.sortKey >= this.base) ? this.slots[first] : next;
  }

  /** The best level after the best one, just removed from `slot` (-1: it was outside the window). */
  private nextAfter(slot: number): PriceLevel | undefined {
    if (slot >= 0) {
      const next = this.nextSlot(slot + 1);
      // Nothing was better than the old best: what is not in the window after it is above the window.
      return next >= 0 ? this.slots[next] : this.firstOutside();
    }
    const first = this.firstOutside();
    if (first !== undefined && first.sortKey < this.base) return first;
    const next = this.nextSlot(0);
    return next >= 0 ? this.slots[next] : first;
  }

  private firstOutside(): PriceLevel | undefined {
    if (this.outside.size === 0) return undefined;
    return this.outside.nextHigherPair(undefined, this.pair)![1];
  }

  private insertSlot(level: PriceLevel, slot: number): void {
    this.slots[slot] = level;
    level.slot = slot;
    const w0 = slot >>> 5;
    const was0 = this.bits0[w0];
    this.bits0[w0] = was0 | (1 << (slot & 31));
    if (was0 !== 0) return;
    const w1 = w0 >>> 5;
    const was1 = this.bits1[w1];
    this.bits1[w1] = was1 | (1 << (w0 & 31));
    if (was1 === 0) this.bits2[w1 >>> 5] |= 1 << (w1 & 31);
  }

  private removeSlot(level: PriceLevel, slot: number): void {
    this.slots[slot] = undefined;
    level.slot = -1;
    const w0 = slot >>> 5;
    const now0 = this.bits0[w0] & ~(1 << (slot & 31));
    this.bits0[w0] = now0;
    if (now0 !== 0) return;
    const w1 = w0 >>> 5;
    const now1 = this.bits1[w1] & ~(1 << (w0 & 31));
    this.bits1[w1] = now1;
    if (now1 === 0) this.bits2[w1 >>> 5] &= ~(1 << (w1 & 31));
  }

  /** The first occupied slot at or after `from`, or -1. */
  private nextSlot(from: number): number {
    if (from >= this.windowTicks) return -1;
    let w0 = from >>> 5;
    let bits = this.bits0[w0] & (-1 << (from & 31));
    if (bits !== 0) return (w0 << 5) | lowestBit(bits);
    if (++w0 >= this.words0) return -1;
    let w1 = w0 >>> 5;
    bits = this.bits1[w1] & (-1 << (w0 & 31));
    if (bits === 0) {
      if (++w1 >= this.words1) return -1;
      let w2 = w1 >>> 5;
      bits = this.bits2[w2] & (-1 << (w1 & 31));
      while (bits === 0) {
        if (++w2 >= this.words2) return -1;
        bits = this.bits2[w2];
      }
      w1 = (w2 << 5) | lowestBit(bits);
      bits = this.bits1[w1];
    }
    w0 = (w1 << 5) | lowestBit(bits);
    return (w0 << 5) | lowestBit(this.bits0[w0]);
  }

  /** Places the window at `base` and puts every level where it now belongs. */
  private place(base: number): void {
    this.outsideOpened = 0;
    if (base === this.base) return;
    const all: PriceLevel[] = [];
    this.visit((level) => {
      all.push(level);
      return true;
    });
    for (const level of all) if (level.slot >= 0) this.slots[level.slot] = undefined;
    this.bits0.fill(0);
    this.bits1.fill(0);
    this.bits2.fill(0);
    this.outside.clear();
    this.base = base;
    for (const level of all) {
      const slot = level.sortKey - base;
      if (slot >= 0 && slot < this.windowTicks) this.insertSlot(level, slot);
      else {
        level.slot = -1;
        this.outside.set(level.sortKey, level);
      }
    }
    if (this.sums !== undefined) this.buildSums();
  }

  /** Calls `fn` on every level best first until it returns false. */
  private visit(fn: (level: PriceLevel) => boolean): void {
    if (this.levelCount === 0) return;
    const base = this.base;
    const outside = this.outside.size > 0;
    if (outside) {
      for (const [key, level] of this.outside.entries(undefined, this.pair)) {
        if (key >= base) break;
        if (!fn(level)) return;
      }
    }
    for (let s = this.nextSlot(0); s >= 0; s = this.nextSlot(s + 1)) if (!fn(this.slots[s]!)) return;
    if (outside) for (const [, level] of this.outside.entries(base + this.windowTicks, this.pair)) if (!fn(level)) return;
  }

  /**
   * Whether at least `lots` rest at levels with key <= `limitKey` (a fill-or-kill check). The side's
   * total answers when it is too small or when every price is acceptable (a market order); then the
   * first FILL_CHECK_WALK levels from the best; otherwise the window's Fenwick tree gives the lots
   * at acceptable prices in O(log width), plus the acceptable levels outside the window, read until
   * enough is found.
   */
  canFill(lots: number, limitKey: number): boolean {
    this.fillCheckReads = 0;
    if (lots > this.totalLots) return false;
    if (limitKey === Infinity) return true;
    const best = this.best;
    if (best === undefined || best.sortKey > limitKey) return false;
    // Most checks are settled by the first few levels, which are at hand (the Fenwick tree's reads
    // are cache misses): read up to FILL_CHECK_WALK of them first.
    let level: PriceLevel | undefined = best;
    for (let read = 0, available = 0; level !== undefined && level.sortKey <= limitKey; level = this.after(level)) {
      if (read++ === FILL_CHECK_WALK) break;
      this.fillCheckReads++;
      available += level.totalLots;
      if (available >= lots) return true;
    }
    if (level === undefined || level.sortKey > limitKey) return false;
    const base = this.base;
    let available = 0;
    const outside = this.outside.size > 0;
    if (outside) {
      for (const [key, level] of this.outside.entries(undefined, this.pair)) {
        if (key >= base || key > limitKey) break;
        this.fillCheckReads++;
        available += level.totalLots;
        if (available >= lots) return true;
      }
    }
    if (limitKey < base) return false;
    const width = this.windowTicks;
    available += this.windowLotsUpTo(Math.min(limitKey - base, width - 1));
    if (available >= lots) return true;
    if (outside && limitKey >= base + width) {
      for (const [key, level] of this.outside.entries(base + width, this.pair)) {
        if (key > limitKey) break;
        this.fillCheckReads++;
        available += level.totalLots;
        if (available >= lots) return true;
      }
    }
    return false;
  }

  /** Sum of the totals of the window's levels in slots 0..`slot`. */
  private windowLotsUpTo(slot: number): number {
    let sums = this.sums;
    if (sums === undefined) sums = this.buildSums();
    else this.applyChanges(sums);
    let total = 0;
    for (let i = slot + 1; i > 0; i -= i & -i) {
      this.fillCheckReads++;
      total += sums[i - 1];
    }
    return total;
  }

  private addToSums(sums: Float64Array, slot: number, lots: number): void {
    const width = this.windowTicks;
    for (let i = slot + 1; i <= width; i += i & -i) sums[i - 1] += lots;
  }

  private applyChanges(sums: Float64Array): void {
    const changed = this.changed;
    for (let k = 0; k < changed.length; k++) {
      const level = changed[k];
      level.changed = false;
      if (level.summedLots !== 0) this.addToSums(sums, level.summedSlot, -level.summedLots);
      const lots = level.slot >= 0 ? level.totalLots : 0;
      if (lots !== 0) this.addToSums(sums, level.slot, lots);
      level.summedLots = lots;
      level.summedSlot = level.slot;
    }
    changed.length = 0;
  }

  /** Builds the Fenwick tree of the window's level totals from scratch (O(WINDOW_TICKS)). */
  private buildSums(): Float64Array {
    const width = this.windowTicks;
    const sums = (this.sums ??= new Float64Array(width));
    sums.fill(0);
    for (const level of this.changed) level.changed = false;
    this.changed.length = 0;
    for (const level of this.spare) level.summedLots = 0;
    this.visit((level) => {
      const lots = level.slot >= 0 ? level.totalLots : 0;
      level.summedLots = lots;
      level.summedSlot = level.slot;
      if (lots !== 0) sums[level.slot] = lots;
      return true;
    });
    for (let i = 1; i <= width; i++) {
      const up = i + (i & -i);
      if (up <= width) sums[up - 1] += sums[i - 1];
    }
    return sums;
  }

  /** Levels best first. */
  levels(): PriceLevel[] {
    const out: PriceLevel[] = [];
    this.visit((level) => {
      out.push(level);
      return true;
    });
    return out;
  }

  /** The best `n` levels as [priceTicks, totalLots], best first. */
  depth(n: number): [number, number][] {
    const out: [number, number][] = [];
    if (n <= 0) return out;
    this.visit((level) => {
      out.push([level.priceTicks, level.totalLots]);
      return out.length < n;
    });
    return out;
  }
}
