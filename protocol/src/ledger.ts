import { z } from 'zod';
import { OrderType, Side } from './rest';

/**
 * What the ledger (balances, sharded by account) is asked to do: lock the funds of an order
 * before it reaches its symbol's command stream, and move money in and out (deposits and
 * withdrawals). Trades and order ends reach the ledger as the engines' events (`stream.ts`).
 *
 * Amounts are decimal strings (or JSON numbers) as on the wire; the ledger converts them into
 * whole units of the asset (`assets.ts`) and refuses anything finer.
 */

const Id = z.string().min(1).max(64);
const Count = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Amount = z.union([z.string().max(64), z.number()]);

/** A deposit or withdrawal, idempotent per `tx_id`. */
export const TransferKind = z.enum(['deposit', 'withdrawal']);
export type TransferKind = z.infer<typeof TransferKind>;
export const TransferCommand = z.object({
  v: z.literal(1),
  kind: TransferKind,
  tx_id: Id,
  account_id: Id,
  asset: z.string().min(1).max(12),
  amount: Amount,
});
export type TransferCommand = z.infer<typeof TransferCommand>;

/**
 * Lock what a new order may spend. A Limit order carries `price_ticks`; every order but a Market
 * Buy by quote amount carries `qty_lots`; a Market Buy carries either `qty_lots` or
 * `quote_quantity` (spend at most this much quote, fee included).
 */
export const LockCommand = z.object({
  v: z.literal(1),
  kind: z.literal('lock'),
  order_id: Id,
  account_id: Id,
  symbol: z.string().min(1).max(25),
  side: Side,
  type: OrderType,
  price_ticks: Count.nullable(),
  qty_lots: Count.nullable(),
  quote_quantity: Amount.nullable(),
});
export type LockCommand = z.infer<typeof LockCommand>;

/**
 * Lock what an amend of a resting order needs before it goes to the symbol's stream: the new
 * terms (`qty_lots` the new total quantity, `price_ticks` the new price; an absent field stays)
 * may need more funds than the order still holds; less never releases anything before the order
 * ends.
 */
export const AmendLockCommand = z.object({
  v: z.literal(1),
  kind: z.literal('amend_lock'),
  order_id: Id,
  account_id: Id,
  price_ticks: Count.optional(),
  qty_lots: Count.optional(),
});
export type AmendLockCommand = z.infer<typeof AmendLockCommand>;

/**
 * The ledger shard (0 .. shardCount-1) that owns an account: FNV-1a of the id's UTF-16 code
 * units, modulo the shard count. Stable across processes and restarts, so every api node and
 * every ledger writer agree; changing the shard count moves accounts (a migration, not a restart).
 */
export function accountShard(accountId: string, shardCount: number): number {
  if (!Number.isSafeInteger(shardCount) || shardCount < 1) throw new Error(`shard count must be a positive integer, got ${shardCount}`);
  let h = 0x811c9dc5;
  for (let i = 0; i < accountId.length; i++) {
    h ^= accountId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shardCount;
}
