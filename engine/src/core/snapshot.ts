import type { SelfTradePrevention } from '@xtrader/protocol';

/**
 * One resting order in a snapshot: its id and remaining lots, then, when not 0, the lots that have
 * filled (the order's quantity is remaining + filled), then 1 for a POST_ONLY order (0 when an
 * account follows), then its account and its self-trade prevention mode when it is not the
 * default EXPIRE_MAKER. Written as short as it can be: a GTC order of no account nothing has
 * filled is `[orderId, remainingLots]`.
 */
export type SnapshotOrder = [orderId: string, remainingLots: number, filledLots?: number, postOnly?: 0 | 1, accountId?: string, selfTradePrevention?: SelfTradePrevention];

/** One price level in a snapshot: its price and its orders oldest first. */
export type SnapshotLevel = [priceTicks: number, orders: SnapshotOrder[]];

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
