import type { Side } from '@xtrader/protocol';

/**
 * One resting order, linked into the FIFO of its price level. The links live on the order
 * itself (an intrusive list), so removing it from the middle of a level is O(1) whatever the
 * level's depth: no scan, no array splice.
 */
export class RestingOrder {
  prev: RestingOrder | undefined = undefined;
  next: RestingOrder | undefined = undefined;
  constructor(
    readonly orderId: string,
    readonly level: PriceLevel,
    public remainingLots: number,
  ) {}
}

/** All resting orders at one price on one side, oldest first, with their total quantity. */
export class PriceLevel {
  head: RestingOrder | undefined = undefined;
  tail: RestingOrder | undefined = undefined;
  /** Sum of the remaining lots of the orders in the queue. */
  totalLots = 0;
  constructor(
    readonly side: Side,
    readonly priceTicks: number,
    /** The level's position in its side's ordering: smaller is better (see BookSide). */
    readonly sortKey: number,
  ) {}

  get isEmpty(): boolean {
    return this.head === undefined;
  }

  /** Appends a new order at the back of the queue (it has the lowest time priority). */
  append(orderId: string, lots: number): RestingOrder {
    const order = new RestingOrder(orderId, this, lots);
    const tail = this.tail;
    if (tail === undefined) {
      this.head = order;
    } else {
      tail.next = order;
      order.prev = tail;
    }
    this.tail = order;
    const total = this.totalLots + lots;
    // A level total beyond 2^53 would silently lose lots; no valid config gets there.
    if (total > Number.MAX_SAFE_INTEGER) throw new Error(`level ${this.priceTicks}: total lots overflow`);
    this.totalLots = total;
    return order;
  }

  /** Unlinks an order (anywhere in the queue) and takes its remaining lots off the total. */
  remove(order: RestingOrder): void {
    const { prev, next } = order;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    order.prev = order.next = undefined;
    this.totalLots -= order.remainingLots;
  }

  /** Takes `lots` from an order that stays in the queue (a partial fill keeps its priority). */
  reduce(order: RestingOrder, lots: number): void {
    order.remainingLots -= lots;
    this.totalLots -= lots;
  }
}
