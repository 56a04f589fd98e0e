import type { Side } from '@xtrader/protocol';

/** "No order": the null handle. */
export const NONE = -1;

/** Layout of one order's slot in `OrderPool.slots` (four doubles: one cache line holds two orders). */
const LOTS = 0;
const NEXT = 1;
const PREV = 2;
const LEVEL = 3;
const STRIDE = 4;

/**
 * Every resting order of one core, addressed by an integer handle: its remaining lots, FIFO links
 * and level id side by side in one Float64Array, its id string in a plain array. The FIFO links of
 * a price level are handles (an intrusive doubly-linked list), so removing an order from anywhere
 * in its level is O(1) whatever the level's depth. A resting order costs no JS object (on a book of
 * 300k orders, one object per order made GC the largest cost), and the fields a fill or a cancel
 * touches share a cache line.
 */
export class OrderPool {
  /** Order id by handle (stale after release until the handle is reused). */
  readonly ids: string[] = [];
  /** Hash of each order's id (see hashId), to update the id index without hashing again. */
  private hashes: Int32Array;
  private slots: Float64Array;
  private capacity: number;
  private used = 0;
  /** Head of the list of released handles (linked through NEXT). */
  private freeHead = NONE;
  private readonly levelById: (PriceLevel | undefined)[] = [];
  private readonly freeLevelIds: number[] = [];

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.slots = new Float64Array(initialCapacity * STRIDE);
    this.hashes = new Int32Array(initialCapacity);
  }

  lots(h: number): number {
    return this.slots[h * STRIDE + LOTS];
  }
  next(h: number): number {
    return this.slots[h * STRIDE + NEXT];
  }
  hash(h: number): number {
    return this.hashes[h];
  }
  level(h: number): PriceLevel {
    return this.levelById[this.slots[h * STRIDE + LEVEL]]!;
  }

  /** A handle for a new order at the back of `level`'s queue (links set by the level). */
  alloc(orderId: string, hash: number, lots: number, levelId: number, prev: number): number {
    let h = this.freeHead;
    if (h !== NONE) {
      this.freeHead = this.slots[h * STRIDE + NEXT];
    } else {
      h = this.used++;
      if (h === this.capacity) this.grow();
    }
    this.ids[h] = orderId;
    this.hashes[h] = hash;
    const s = this.slots;
    const base = h * STRIDE;
    s[base + LOTS] = lots;
    s[base + NEXT] = NONE;
    s[base + PREV] = prev;
    s[base + LEVEL] = levelId;
    return h;
  }

  setNext(h: number, next: number): void {
    this.slots[h * STRIDE + NEXT] = next;
  }

  prev(h: number): number {
    return this.slots[h * STRIDE + PREV];
  }

  /** Links `h`'s neighbours to each other and frees `h` (its level fixes its own head/tail). */
  unlink(h: number): void {
    const s = this.slots;
    const base = h * STRIDE;
    const prev = s[base + PREV];
    const next = s[base + NEXT];
    if (prev !== NONE) s[prev * STRIDE + NEXT] = next;
    if (next !== NONE) s[next * STRIDE + PREV] = prev;
    s[base + NEXT] = this.freeHead;
    this.freeHead = h;
  }

  /** Takes `lots` off an order; returns what is left. */
  reduce(h: number, lots: number): number {
    const i = h * STRIDE + LOTS;
    const left = this.slots[i] - lots;
    this.slots[i] = left;
    return left;
  }

  registerLevel(level: PriceLevel): number {
    const id = this.freeLevelIds.length > 0 ? this.freeLevelIds.pop()! : this.levelById.length;
    this.levelById[id] = level;
    return id;
  }

  releaseLevel(id: number): void {
    this.levelById[id] = undefined;
    this.freeLevelIds.push(id);
  }

  private grow(): void {
    const slots = new Float64Array(this.capacity * 2 * STRIDE);
    slots.set(this.slots);
    this.slots = slots;
    const hashes = new Int32Array(this.capacity * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.capacity *= 2;
  }
}

/** All resting orders at one price on one side, oldest first, with their total quantity. */
export class PriceLevel {
  head = NONE;
  tail = NONE;
  /** Sum of the remaining lots of the orders in the queue. */
  totalLots = 0;
  /** This level's id in the pool (orders point to their level by it). */
  readonly id: number;
  constructor(
    readonly pool: OrderPool,
    readonly side: Side,
    readonly priceTicks: number,
    /** The level's position in its side's ordering: smaller is better (see BookSide). */
    readonly sortKey: number,
  ) {
    this.id = pool.registerLevel(this);
  }

  get isEmpty(): boolean {
    return this.head === NONE;
  }

  /** Appends a new order at the back of the queue (lowest time priority); returns its handle. */
  append(orderId: string, hash: number, lots: number): number {
    const total = this.totalLots + lots;
    // A level total beyond 2^53 would silently lose lots; no valid config gets there.
    if (total > Number.MAX_SAFE_INTEGER) throw new Error(`level ${this.priceTicks}: total lots overflow`);
    const tail = this.tail;
    const h = this.pool.alloc(orderId, hash, lots, this.id, tail);
    if (tail === NONE) this.head = h;
    else this.pool.setNext(tail, h);
    this.tail = h;
    this.totalLots = total;
    return h;
  }

  /** Unlinks an order (anywhere in the queue), takes its lots off the total, frees the handle. */
  remove(h: number): void {
    const pool = this.pool;
    const prev = pool.prev(h);
    const next = pool.next(h);
    this.totalLots -= pool.lots(h);
    pool.unlink(h);
    if (prev === NONE) this.head = next;
    if (next === NONE) this.tail = prev;
  }

  /** Takes `lots` from an order that stays in the queue (a partial fill keeps its priority). */
  reduce(h: number, lots: number): number {
    this.totalLots -= lots;
    return this.pool.reduce(h, lots);
  }
}
