export { Ledger, type Balance, type Hold, type LedgerConfig, type LedgerOptions, type LockAnswer, type Refusal, type TransferAnswer } from './ledger';
export { buyLock, orderLock, type OrderLock, type LockRefusal } from './order-lock';
export { LedgerInvariantError } from './errors';
