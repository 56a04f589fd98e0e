/** One price level in a snapshot: its price and its orders oldest first as [orderId, remainingLots]. */
export type SnapshotLevel = [priceTicks: number, orders: [orderId: string, remainingLots: number][]];

/**
 * Everything the core needs to continue exactly where it was: JSON-serialisable, no class
 * instances, deterministic key and element order (so two equal cores give equal JSON).
 */
export interface CoreSnapshot {
  v: 1;
  symbol: string;
  /** Sequence of the last event emitted (0 before the first). */
  seq: number;
  /** Bids best (highest) first. */
  bids: SnapshotLevel[];
  /** Asks best (lowest) first. */
  asks: SnapshotLevel[];
  /** Capacity of the finished-id memory used for duplicate detection. */
  recent_capacity: number;
  /** Ids of finished orders, oldest first. */
  recent: string[];
}
