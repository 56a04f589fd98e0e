/**
 * Every Redis key, stream and channel name, in one place (like bullmq's queue-keys).
 *
 * Per-symbol names carry the `{SYMBOL}` hash tag so that a Redis Cluster keeps all of a symbol's
 * keys in one slot: the engine's commit touches several of them atomically. `prefix` lets tests
 * and several exchanges share one Redis without seeing each other.
 */
export const DEFAULT_PREFIX = 'xt';

export function symbolKeys(symbol: string, prefix: string = DEFAULT_PREFIX) {
  const base = `${prefix}:{${symbol}}`;
  return {
    /** Stream of commands (place, cancel, clock) appended by api nodes and the clock job. */
    commands: `${base}:commands`,
    /** Stream of engine events (accepted, rejected, trade, cancelled, book), the audit trail. */
    events: `${base}:events`,
    /** Stream of realtime messages (SPEC §4) that realtime nodes deliver to subscribers. */
    feed: `${base}:feed`,
    /** The engine lease: value is `<fence>:<engine id>`, with a TTL. */
    lease: `${base}:lease`,
    /** Counter bumped on every lease acquisition; every commit checks it (fencing token). */
    fence: `${base}:fence`,
    /** Id of the last command whose effects are committed. */
    position: `${base}:position`,
    /** Latest engine snapshot (book + market data state + position), JSON. */
    snapshot: `${base}:snapshot`,
    /** Per-order state (JSON), readable by any api node. */
    order: (orderId: string) => `${base}:order:${orderId}`,
    /** client_order_id -> first answer, for idempotent retries. */
    clientOrder: (clientOrderId: string) => `${base}:coid:${clientOrderId}`,
    /** Pub/sub channel on which the engine announces committed order outcomes. */
    outcomes: `${base}:outcomes`,
    /** Market data kept by the engine for REST readers. */
    trades: `${base}:trades`,
    candles: (interval: string) => `${base}:candles:${interval}`,
    stats: `${base}:stats`,
    depth: `${base}:depth`,
    /** Set by the running engine on every loop, with a TTL: readiness for /readyz. */
    heartbeat: `${base}:heartbeat`,
  };
}
export type SymbolKeys = ReturnType<typeof symbolKeys>;

export function globalKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** BullMQ queue name (BullMQ adds its own `prefix:`) of the clock job scheduler. */
    clockQueue: 'clock',
    bullPrefix: `${prefix}:bull`,
  };
}
