/**
 * Thrown when a command breaks the stream contract (for example a Limit order without a price).
 * The schema and the api make this impossible, so it means a bug upstream; the core throws
 * before changing anything, so its state stays valid. Business outcomes are never thrown: they
 * are `rejected` / `cancel_rejected` events.
 */
export class InvalidCommandError extends Error {
  override readonly name = 'InvalidCommandError';
}

/** Thrown by `MatchingCore.restore` for a snapshot that does not describe a valid book. */
export class InvalidSnapshotError extends Error {
  override readonly name = 'InvalidSnapshotError';
}
