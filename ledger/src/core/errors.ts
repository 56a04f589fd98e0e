/**
 * Thrown only on a broken invariant: an input outside the contract (an event of an unknown
 * symbol, a trade costing more than its order's hold, a command routed to the wrong shard).
 * Business refusals (INSUFFICIENT_FUNDS and the like) are answers, never exceptions.
 */
export class LedgerInvariantError extends Error {
  override readonly name = 'LedgerInvariantError';
}
