import type { Side } from '@xtrader/protocol';

/** "No order": the null handle. */
export const NONE = -1;

/**
 * Every resting order of one core, stored column-wise in typed arrays and addressed by an integer
 * handle. The FIFO links of a price level are handles too (an intrusive doubly-linked list), so
 * removing an order from anywhere in its level is O(1) whatever the level's depth, and a resting
 * order costs no JS object: a book of 300k orders gives the garbage collector almost nothing to
 * copy or scan (an object per order made GC the largest cost on deep books).
 */
export class OrderPool {
  ids: string[] = [];
  levels: (PriceLevel | undefined)[] = [];
  lots: Float64Array;
  next: Int32Array;
  prev: Int32Array;
  /** Head of the list of released handles (linked through `next`). */
  private freeHead = NONE;
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.lots = new Float64Array(initialCapacity);
    this.next = new Int32Array(initialCapacity);
    this.prev = new Int32Array(initialCapacity);
  }

  /** A handle for a new order (not linked into any level yet). */
  alloc(orderId: string, lots: number, level: PriceLevel): number {
    let h = this.freeHead;
    if (h !== NONE) {
      this.freeHead = this.next[h];
    } else {
      h = this.used++;
      if (h === this.lots.length) this.grow();
    }
    this.ids[h] = orderId;
    this.levels[h] = level;
    this.lots[h] = lots;
    this.next[h] = NONE;
    this.prev[h] = NONE;
    return h;
  }

  /** Returns a handle that is no longer linked anywhere. */
  release(h: number): void {
    this.levels[h] = undefined;
    this.next[h] = this.freeHead;
    this.freeHead = h;
  }

  private grow(): void {
    const size = this.lots.length * 2;
    const lots = new Float64Array(size);
    lots.set(this.lots);
    const next = new Int32Array(size);
    next.set(this.next);
    const prev = new Int32Array(size);
    prev.set(this.prev);
    this.lots = lots;
    this.next = next;
    this.prev = prev;
  }
}

/** All resting orders at one price on one side, oldest first, with their total quantity. */
export class PriceLevel {
  head = NONE;
  tail = NONE;
  /** Sum of the remaining lots of the orders in the queue. */
  totalLots = 0;
  constructor(
    readonly pool: OrderPool,
    readonly side: Side,
    readonly priceTicks: number,
    /** The level's position in its side's ordering: smaller is better (see BookSide). */
    readonly sortKey: number,
  ) {}

  get isEmpty(): boolean {
    return this.head === NONE;
  }

  /** Appends a new order at the back of the queue (lowest time priority); returns its handle. */
  append(orderId: string, lots: number): number {
    const pool = this.pool;
    const total = this.totalLots + lots;
    // A level total beyond 2^53 would silently lose lots; no valid config gets there.
    if (total > Number.MAX_SAFE_INTEGER) throw new Error(`level ${this.priceTicks}: total lots overflow`);
    const h = pool.alloc(orderId, lots, this);
    const tail = this.tail;
    if (tail === NONE) {
      this.head = h;
    } else {
      pool.next[tail] = h;
      pool.prev[h] = tail;
    }
    this.tail = h;
    this.totalLots = total;
    return h;
  }

  /** Unlinks an order (anywhere in the queue), takes its lots off the total, frees the handle. */
  remove(h: number): void {
    const pool = this.pool;
    const prev = pool.prev[h];
    const next = pool.next[h];
    if (prev === NONE) this.head = next;
    else pool.next[prev] = next;
    if (next === NONE) this.tail = prev;
    else pool.prev[next] = prev;
    this.totalLots -= pool.lots[h];
    pool.release(h);
  }

  /** Takes `lots` from an order that stays in the queue (a partial fill keeps its priority). */
  reduce(h: number, lots: number): void {
    this.pool.lots[h] -= lots;
    this.totalLots -= lots;
  }
}
