import { z } from 'zod';
import { OrderType, Side } from './rest';
import { AmendCommand, decodeEvent, PlaceCommand, type CompactEvent, type EngineEvent } from './stream';
import type { Balance } from './account';
import { formatAssetAmount, type AssetSpec } from './assets';

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

/** The lock command of a place command of `account` on `symbol` (by `quoteQuantity`, a Market Buy's budget). */
export function lockOfPlace(account: string, symbol: string, p: PlaceCommand, quoteQuantity: string | null = null): LockCommand {
  return {
    v: 1,
    kind: 'lock',
    order_id: p.order_id,
    account_id: account,
    symbol,
    side: p.side,
    type: p.type,
    price_ticks: p.price_ticks,
    qty_lots: quoteQuantity === null ? p.qty_lots : null,
    quote_quantity: quoteQuantity,
  };
}

/**
 * What makes two places with the same `client_order_id` the same order (a retry) rather than two
 * orders (a conflict): its side, type, time in force, price and quantity.
 */
export function clientOrderFingerprint(p: PlaceCommand): string {
  // The fields a plain order had before quote budgets and self-trade prevention come first, so its fingerprint is what it was.
  return JSON.stringify([p.side, p.type, p.tif, p.price_ticks, p.qty_lots, ...(p.quote_quantity !== undefined ? [p.quote_quantity] : []), ...(p.self_trade_prevention !== undefined ? [p.self_trade_prevention] : [])]);
}

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

/**
 * A request on a ledger shard's command stream (field `FIELDS.command`), appended by an api
 * node; the writer answers it on the shard's `answers` channel by `request_id`. A lock carries
 * the place command, an amend lock the amend command, to forward to the symbol's command stream
 * once the funds are locked (through the shard's `outbox`, {@link OutboxEntry}).
 */
export const LedgerRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('transfer'), request_id: Id, transfer: TransferCommand }),
  z.object({ kind: z.literal('lock'), request_id: Id, lock: LockCommand, place: PlaceCommand }),
  z.object({ kind: z.literal('amend'), request_id: Id, amend_lock: AmendLockCommand, amend: AmendCommand }),
]);
export type LedgerRequest = z.infer<typeof LedgerRequest>;

/** The account a request acts for: its shard is the one that must receive it. */
export function ledgerRequestAccount(req: LedgerRequest): string {
  return req.kind === 'transfer' ? req.transfer.account_id : req.kind === 'lock' ? req.lock.account_id : req.amend_lock.account_id;
}

/**
 * One entry of a shard's `outbox` stream (field `FIELDS.command`, this JSON): a command whose
 * funds the shard locked, committed with the lock, to append to `symbol`'s command stream once.
 */
export const OutboxEntry = z.object({
  symbol: z.string().min(1).max(25),
  command: z.discriminatedUnion('kind', [PlaceCommand, AmendCommand]),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/**
 * The writer's answer to one request: amounts are integer strings of the asset's units. A granted
 * Market Buy also carries `spend_limit` (the lock as a decimal of the quote), which its place
 * command carries on to the symbol's stream.
 */
export type LedgerAnswer =
  | { request_id: string; ok: true; asset: string; amount: string; available?: string; locked?: string; spend_limit?: string; order_id?: string }
  | { request_id: string; ok: false; code: string; message: string };

/**
 * Published on a shard's `answers` channel by each commit that applied engine events: how far
 * the shard has applied each symbol's events (event sequence, as `OutcomeMessage.seq`). An api
 * node answers a cancel once the account's shard is this far, so the funds it freed are
 * available to the next request.
 */
export interface LedgerApplied {
  kind: 'applied';
  positions: { symbol: string; seq: number }[];
}

/** What a shard's `answers` channel carries: an answer to one request, or its progress. */
export type LedgerChannelMessage = LedgerAnswer | LedgerApplied;

/** One balance as stored in a shard's `balances` hash: field {@link balanceField}, value `"<available>:<locked>"`. */
export function balanceField(accountId: string, asset: string): string {
  return `${accountId}:${asset}`;
}
export function encodeBalance(available: bigint, locked: bigint): string {
  return `${available}:${locked}`;
}
export function decodeBalance(field: string, value: string): { account_id: string; asset: string; available: bigint; locked: bigint } {
  const cut = field.lastIndexOf(':');
  const [available, locked] = value.split(':');
  if (cut <= 0 || available === undefined || locked === undefined) throw new Error(`bad stored balance ${field} = ${value}`);
  return { account_id: field.slice(0, cut), asset: field.slice(cut + 1), available: BigInt(available), locked: BigInt(locked) };
}

/**
 * One balance as the edges show it (`GET /account`, the private `BalanceUpdate`): decimal JSON
 * numbers of the asset, from the exact units.
 */
export function balanceView(asset: AssetSpec, available: bigint, locked: bigint): Balance {
  return { asset: asset.asset, available: Number(formatAssetAmount(asset, available)), locked: Number(formatAssetAmount(asset, locked)) };
}

/** A hold as stored in a shard's `holds` hash (field: the order id), amounts as integer strings. */
export const StoredHold = z.object({
  order_id: Id,
  account_id: Id,
  symbol: z.string(),
  asset: z.string(),
  amount: z.string().regex(/^\d+$/),
  locked: z.string().regex(/^\d+$/),
  price_ticks: Count.nullable(),
  qty_lots: z.number().int().nonnegative(),
  filled_lots: z.number().int().nonnegative(),
  command: LockCommand,
});
export type StoredHold = z.infer<typeof StoredHold>;

/** A transfer's first answer as stored in a shard's `transfers` hash (field: the tx id). */
export const StoredTransfer = z.object({
  kind: TransferKind,
  tx_id: Id,
  account_id: Id,
  asset: z.string(),
  amount: z.string().regex(/^\d+$/),
  available: z.string().regex(/^\d+$/),
  locked: z.string().regex(/^\d+$/),
});
export type StoredTransfer = z.infer<typeof StoredTransfer>;

/**
 * The engine events of one entry of a symbol's events stream (its `FIELDS.events` value: the
 * JSON `[[command id, compact event, ...], ...]` of one committed batch), in order.
 */
export function eventsOfEntry(eventsJson: string): EngineEvent[] {
  const rows = JSON.parse(eventsJson) as unknown;
  if (!Array.isArray(rows)) throw new Error('an events entry is not a list of rows');
  const out: EngineEvent[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) throw new Error('an events row is not a list');
    for (let i = 1; i < row.length; i++) out.push(decodeEvent(row[i] as CompactEvent));
  }
  return out;
}

/** `POST /api/v1/admin/deposits` and `/withdrawals` (operator, `Authorization: Bearer <XT_ADMIN_TOKEN>`). */
export const AdminTransferRequest = z
  .object({
    account_id: Id,
    asset: z.string().min(1).max(64),
    /** Checked against the asset's unit by `parseAssetAmount` (INVALID_AMOUNT, also when missing). */
    amount: z.unknown().optional(),
    tx_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'tx_id must be 1-64 of A-Z, a-z, 0-9, _ . : -'),
  })
  .strict();
export type AdminTransferRequest = z.infer<typeof AdminTransferRequest>;

/** A transfer's answer: the amount and the account's balance of the asset right after it, as decimal strings. */
export const TransferResponse = z.object({
  tx_id: z.string(),
  kind: TransferKind,
  account_id: z.string(),
  asset: z.string(),
  amount: z.string(),
  available: z.string(),
  locked: z.string(),
});
export type TransferResponse = z.infer<typeof TransferResponse>;

/** `GET /api/v1/admin/fees`: fees collected per asset (every asset, zeros included), summed over the shards. */
export interface FeesResponse {
  fees: { asset: string; amount: string }[];
}

/**
 * What a tx id's claim holds (`transferKeys.claim`): the transfer it names, the amount in whole
 * units, so "1" and "1.0" are the same content and any other transfer under the id a conflict.
 */
export function transferClaim(kind: TransferKind, accountId: string, asset: string, units: bigint): string {
  return JSON.stringify({ kind, account_id: accountId, asset, units: units.toString() });
}

/** `GET /api/v1/faucet` (with XT_FAUCET=on): what one `POST /api/v1/faucet` deposits. */
export const FaucetInfoResponse = z.object({ amounts: z.array(z.object({ asset: z.string(), amount: z.string() })) });
export type FaucetInfoResponse = z.infer<typeof FaucetInfoResponse>;

/** `POST /api/v1/faucet`: the deposits made and when the account may take the faucet again (ms since the epoch). */
export const FaucetResponse = z.object({
  deposits: z.array(TransferResponse),
  next_at: z.number(),
});
export type FaucetResponse = z.infer<typeof FaucetResponse>;

/**
 * The first granted place of an account's `client_order_id` on a symbol, as a shard keeps it
 * (`ledgerShardKeys(..).clientOrder`, with the api's client_order_id TTL): a retry with the same
 * fingerprint gets this answer again and locks nothing; another fingerprint is a conflict.
 */
export const StoredClientOrder = z.object({
  fingerprint: z.string(),
  order_id: Id,
  asset: z.string(),
  amount: z.string().regex(/^\d+$/),
});
export type StoredClientOrder = z.infer<typeof StoredClientOrder>;
