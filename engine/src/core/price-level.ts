import type { Side } from '@xtrader/protocol';

/** "No order": the null handle. */
export const NONE = -1;

/**
 * Layout of one order's 32-byte record in `OrderPool`'s buffer (two records per cache line): the
 * remaining lots as a double (lots are safe integers, up to 2^53) in the first 8 bytes, seen
 * through `lots` (index h * 4), then int32 fields seen through `links` (index h * 8 + field), then
 * the order's total quantity (filled lots included) as a double in the last 8 bytes (index h * 4 + 3),
 * negative for a POST_ONLY order (read by amends only; a flag array beside the records cost a
 * cache miss per order placed on a deep book).
 */
const LOTS_STRIDE = 4;
const QTY = 3;
const LINKS_STRIDE = 8;
const NEXT = 2;
const PREV = 3;
const LEVEL = 4;
const HASH = 5;

/**
 * Every resting order of one core, addressed by an integer handle: its remaining lots, FIFO links,
 * level id and id hash side by side in one 32-byte record of an ArrayBuffer, its id string in a
 * plain array. The FIFO links of a price level are handles (an intrusive doubly-linked list), so
 * removing an order from anywhere in its level is O(1) whatever the level's depth. A resting order
 * costs no JS object (on a book of 300k orders, one object per order made GC the largest cost),
 * and everything a fill or a cancel reads or writes of an order shares a cache line.
 */
export class OrderPool {
  /** Order id by handle (stale after release until the handle is reused). */
  readonly ids: string[] = [];
  private lotsView: Float64Array;
  private links: Int32Array;
  private capacity: number;
  private used = 0;
  /** Head of the list of released handles (linked through NEXT). */
  private freeHead = NONE;
  private readonly levelById: PriceLevel[] = [];

  constructor(initialCapacity = 1024) {
    this.capacity = initialCapacity;
    const buffer = new ArrayBuffer(initialCapacity * LOTS_STRIDE * 8);
    this.lotsView = new Float64Array(buffer);
    this.links = new Int32Array(buffer);
  }

  lots(h: number): number {
    return this.lotsView[h * LOTS_STRIDE];
  }
  next(h: number): number {
    return this.links[h * LINKS_STRIDE + NEXT];
  }
  prev(h: number): number {
    return this.links[h * LINKS_STRIDE + PREV];
  }
  /** The hash of the order's id (see hashId), kept so the id index is updated without hashing again. */
  hash(h: number): number {
    return this.links[h * LINKS_STRIDE + HASH];
  }
  /** The order's total quantity: its remaining lots plus what has filled. */
  qty(h: number): number {
    return Math.abs(this.lotsView[h * LOTS_STRIDE + QTY]);
  }
  /** Sets the order's total quantity (keeps its POST_ONLY flag). */
  setQty(h: number, qty: number): void {
    const i = h * LOTS_STRIDE + QTY;
    this.lotsView[i] = this.lotsView[i] < 0 ? -qty : qty;
  }
  isPostOnly(h: number): boolean {
    return this.lotsView[h * LOTS_STRIDE + QTY] < 0;
  }
  level(h: number): PriceLevel {
    return this.levelById[this.links[h * LINKS_STRIDE + LEVEL]]!;
  }

  /** A handle for a new order at the back of `level`'s queue (links set by the level). */
  alloc(orderId: string, hash: number, lots: number, qty: number, postOnly: boolean, levelId: number, prev: number): number {
    let h = this.freeHead;
    if (h !== NONE) {
      this.freeHead = this.links[h * LINKS_STRIDE + NEXT];
    } else {
      h = this.used++;
      if (h === this.capacity) this.grow();
    }
    this.ids[h] = orderId;
    this.lotsView[h * LOTS_STRIDE] = lots;
    this.lotsView[h * LOTS_STRIDE + QTY] = postOnly ? -qty : qty;
    const links = this.links;
    const base = h * LINKS_STRIDE;
    links[base + NEXT] = NONE;
    links[base + PREV] = prev;
    links[base + LEVEL] = levelId;
    links[base + HASH] = hash;
    return h;
  }

  setNext(h: number, next: number): void {
    this.links[h * LINKS_STRIDE + NEXT] = next;
  }

  /** Links `h`'s neighbours to each other and frees `h` (its level fixes its own head/tail). */
  unlink(h: number): void {
    const links = this.links;
    const base = h * LINKS_STRIDE;
    const prev = links[base + PREV];
    const next = links[base + NEXT];
    if (prev !== NONE) links[prev * LINKS_STRIDE + NEXT] = next;
    if (next !== NONE) links[next * LINKS_STRIDE + PREV] = prev;
    links[base + NEXT] = this.freeHead;
    this.freeHead = h;
  }

  /** Takes `lots` off an order; returns what is left. */
  reduce(h: number, lots: number): number {
    const i = h * LOTS_STRIDE;
    const left = this.lotsView[i] - lots;
    this.lotsView[i] = left;
    return left;
  }

  /** A level object's id; level objects are never discarded (their side keeps spare ones). */
  registerLevel(level: PriceLevel): number {
    this.levelById.push(level);
    return this.levelById.length - 1;
  }

  private grow(): void {
    const buffer = new ArrayBuffer(this.capacity * 2 * LOTS_STRIDE * 8);
    const lots = new Float64Array(buffer);
    lots.set(this.lotsView);
    this.lotsView = lots;
    this.links = new Int32Array(buffer);
    this.capacity *= 2;
  }
}

/** What a level reports its quantity changes to: its side of the book. */
export interface LevelOwner {
  readonly side: Side;
  /** Sum of the remaining lots of every order on the side. */
  totalLots: number;
  /** Called when the level's total changes while `changed` is false (it sets `changed`). */
  noteChanged(level: PriceLevel): void;
}

/**
 * All resting orders at one price on one side, oldest first, with their total quantity. A level
 * object outlives its price: when its side drops it, it is kept and opened again at another price.
 */
export class PriceLevel {
  head = NONE;
  tail = NONE;
  /** Sum of the remaining lots of the orders in the queue. */
  totalLots = 0;
  priceTicks = 0;
  /** The level's position in its side's ordering: smaller is better (see BookSide). */
  sortKey = 0;
  /** Its slot in the side's price window, -1 when outside it or not in the book (kept by BookSide). */
  slot = -1;
  /** Whether the total changed since the side's fill-or-kill sums last counted it (kept by BookSide). */
  changed = false;
  /** What those sums count for this level, and at which slot (kept by BookSide). */
  summedLots = 0;
  summedSlot = -1;
  /** This level's id in the pool (orders point to their level by it). */
  readonly id: number;
  readonly side: Side;
  constructor(
    readonly pool: OrderPool,
    private readonly owner: LevelOwner,
  ) {
    this.side = owner.side;
    this.id = pool.registerLevel(this);
  }

  /** Makes this (empty) level the level of `priceTicks`. */
  open(priceTicks: number, sortKey: number): void {
    this.priceTicks = priceTicks;
    this.sortKey = sortKey;
  }

  get isEmpty(): boolean {
    return this.head === NONE;
  }

  /**
   * Appends a new order at the back of the queue (lowest time priority) with `lots` remaining of
   * its total quantity `qty`; returns its handle.
   */
  append(orderId: string, hash: number, lots: number, qty: number, postOnly: boolean): number {
    const total = this.totalLots + lots;
    // A level total beyond 2^53 would silently lose lots; no valid config gets there.
    if (total > Number.MAX_SAFE_INTEGER || this.owner.totalLots + lots > Number.MAX_SAFE_INTEGER) throw new Error(`level ${this.priceTicks}: total lots overflow`);
    const tail = this.tail;
    const h = this.pool.alloc(orderId, hash, lots, qty, postOnly, this.id, tail);
    if (tail === NONE) this.head = h;
    else this.pool.setNext(tail, h);
    this.tail = h;
    this.totalLots = total;
    this.owner.totalLots += lots;
    if (!this.changed) this.owner.noteChanged(this);
    return h;
  }

  /** Unlinks an order (anywhere in the queue), takes its lots off the total, frees the handle. */
  remove(h: number): void {
    const pool = this.pool;
    const prev = pool.prev(h);
    const next = pool.next(h);
    const lots = pool.lots(h);
    this.totalLots -= lots;
    this.owner.totalLots -= lots;
    pool.unlink(h);
    if (prev === NONE) this.head = next;
    if (next === NONE) this.tail = prev;
    if (!this.changed) this.owner.noteChanged(this);
  }

  /** Takes `lots` from an order that stays in the queue (a partial fill keeps its priority). */
  reduce(h: number, lots: number): number {
    this.totalLots -= lots;
    this.owner.totalLots -= lots;
    if (!this.changed) this.owner.noteChanged(this);
    return this.pool.reduce(h, lots);
  }
}
