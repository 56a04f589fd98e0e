/**
 * How far an account's ledger shard has applied the engines' batches. The engine commits a
 * cancel or a trade first; the account's shard releases or settles the funds after it. Waiting
 * for the shard before answering means the answer's funds are there: a cancel's released funds
 * place the next order, a buy's proceeds can be sold at once.
 */
export interface LedgerProgress {
  /** True once `accountId`'s shard has applied `symbol`'s engine events up to `seq`; false after `timeoutMs`. */
  whenApplied(accountId: string, symbol: string, seq: number, timeoutMs: number): Promise<boolean>;
}

/** What is left of `timeoutMs` since `startedAt` (`performance.now()`), never below zero. */
export function remainingMs(startedAt: number, timeoutMs: number): number {
  return Math.max(0, timeoutMs - (performance.now() - startedAt));
}
