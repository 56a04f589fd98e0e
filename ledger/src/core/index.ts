export { Ledger, settledLeg, type Balance, type Hold, type LedgerChanges, type LedgerConfig, type LedgerOptions, type LedgerState, type LockAnswer, type Refusal, type TransferAnswer } from './ledger';
export { buyLock, orderLock, type OrderLock, type LockRefusal } from './order-lock';
export { LedgerInvariantError } from './errors';
export { PrivateFeed, sequencePrivate, type PrivateDraft, type TrackedOrder } from './private-feed';
