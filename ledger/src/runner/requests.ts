import {
  accountShard,
  clientOrderFingerprint,
  LedgerRequest,
  ledgerRequestAccount,
  StoredClientOrder,
  type LedgerAnswer,
  type LedgerShardKeys,
  type OutboxEntry,
} from '@xtrader/protocol';
import type { Ledger, LockAnswer, Refusal, TransferAnswer } from '../core';

/** A client_order_id record to keep: its account, its key and its value. */
export interface ClientOrderWrite {
  account: string;
  key: string;
  record: StoredClientOrder;
}

/** What applying one request gave: its answer, what to forward, the client_order_id record to keep. */
export interface Applied {
  answer: LedgerAnswer;
  outbox?: OutboxEntry;
  clientOrder?: ClientOrderWrite;
}

/** A command-stream entry's request, or undefined when it is not one (the writer logs and skips it). */
export function parseRequest(json: string | undefined): LedgerRequest | undefined {
  try {
    const parsed = LedgerRequest.safeParse(JSON.parse(json ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The shard key of a place's client_order_id record (undefined for anything else). */
export function clientOrderKeyOf(keys: LedgerShardKeys, req: LedgerRequest): string | undefined {
  if (req.kind !== 'lock' || req.place.client_order_id === undefined) return undefined;
  return keys.clientOrder(req.lock.account_id, req.lock.symbol, req.place.client_order_id);
}

/** Which shard the writer is, for refusing another shard's accounts. */
export interface ShardPlace {
  shard: number;
  shardCount: number;
  keys: LedgerShardKeys;
}

/**
 * Applies one request to the shard's ledger. `clientOrders` holds the stored client_order_id
 * records of the batch's places (null: none), and learns the ones this batch grants, so a retry
 * in the same batch is answered as one after it.
 */
export function applyRequest(ledger: Ledger, req: LedgerRequest, at: ShardPlace, clientOrders: Map<string, StoredClientOrder | null>): Applied {
  const account = ledgerRequestAccount(req);
  const refuse = (code: string, message: string): Applied => ({ answer: { request_id: req.request_id, ok: false, code, message } });
  if (accountShard(account, at.shardCount) !== at.shard) return refuse('INVALID_REQUEST', `account ${account} belongs to another ledger shard`);
  switch (req.kind) {
    case 'transfer':
      return { answer: answerOf(req.request_id, ledger.transfer(req.transfer)) };
    case 'lock': {
      if (req.place.order_id !== req.lock.order_id || (req.place.account_id ?? account) !== account) return refuse('INVALID_REQUEST', 'the lock and its order name different orders or accounts');
      const key = clientOrderKeyOf(at.keys, req);
      const fingerprint = clientOrderFingerprint(req.place);
      const seen = key === undefined ? undefined : clientOrders.get(key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          return refuse('DUPLICATE_CLIENT_ORDER_ID', `client_order_id ${req.place.client_order_id} was already used for a different order on ${req.lock.symbol}`);
        }
        // A retry: the first order's answer, nothing locked or forwarded again.
        return { answer: { request_id: req.request_id, ok: true, order_id: seen.order_id, asset: seen.asset, amount: seen.amount } };
      }
      const result = ledger.lock(req.lock);
      const answer = answerOf(req.request_id, result);
      if (!result.ok) return { answer };
      // A Market Buy goes on with what it locked as its spend limit: the engine stops it there.
      const place = result.spend_limit === undefined ? req.place : { ...req.place, spend_limit: result.spend_limit };
      const applied: Applied = { answer, outbox: { symbol: req.lock.symbol, command: { ...place, account_id: account } } };
      if (key !== undefined) {
        const record = { fingerprint, order_id: req.lock.order_id, asset: result.asset, amount: result.amount.toString() };
        clientOrders.set(key, record);
        applied.clientOrder = { account, key, record };
      }
      return applied;
    }
    case 'amend': {
      if (req.amend.order_id !== req.amend_lock.order_id || (req.amend.account_id ?? account) !== account) return refuse('INVALID_REQUEST', 'the amend lock and its amend name different orders or accounts');
      const symbol = ledger.hold(req.amend_lock.order_id)?.symbol;
      const result = ledger.amendLock(req.amend_lock);
      const answer = answerOf(req.request_id, result);
      return result.ok ? { answer, outbox: { symbol: symbol!, command: { ...req.amend, account_id: account } } } : { answer };
    }
  }
}

function answerOf(requestId: string, r: TransferAnswer | LockAnswer | Refusal): LedgerAnswer {
  if (!r.ok) return { request_id: requestId, ok: false, code: r.code, message: r.message };
  if ('tx_id' in r) return { request_id: requestId, ok: true, asset: r.asset, amount: r.amount.toString(), available: r.available.toString(), locked: r.locked.toString() };
  const answer: LedgerAnswer = { request_id: requestId, ok: true, order_id: r.order_id, asset: r.asset, amount: r.amount.toString() };
  if (r.spend_limit !== undefined) answer.spend_limit = r.spend_limit;
  return answer;
}
