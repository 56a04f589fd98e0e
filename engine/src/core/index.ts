export { MatchingCore, RECENT_ID_CAPACITY, type MatchingCoreOptions, type BookDepth } from './matching-core';
export type { CoreSnapshot, SnapshotLevel, SnapshotOrder } from './snapshot';
export { InvalidCommandError, InvalidSnapshotError } from './errors';
