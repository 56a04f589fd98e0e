import { z } from 'zod';
import { OrderStatus, OrderView, type OrderType, type Side, type TimeInForce } from './rest';
import { AmendRejectCode, type PlaceCommand } from './stream';
import type { SelfTradePrevention } from './rest';
import type { MarketSpec } from './symbols';
import { notionalStep, toWireNumber, wireUnits, type WireUnits } from './wire';
import type { MyTrade } from './account';

/**
 * What the engine writes for the api nodes: the stored state of each order and the outcome
 * message it PUBLISHes on a symbol's `outcomes` channel after each committed batch.
 */

/** One fill as the engine keeps it: integers only, converted to decimals when rendered. */
export interface FillRecord {
  exec_id: string;
  price_ticks: number;
  qty_lots: number;
  fee: number;
  liquidity: 'maker' | 'taker';
  counter_order_id: string;
  ts: number;
}

/** An order's state in integer units; JSON-serialisable (notional is a decimal string). */
export interface OrderRecord {
  order_id: string;
  client_order_id?: string;
  /** The owner (absent only for orders placed before accounts existed). */
  account_id?: string;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  price_ticks: number | null;
  /** A Market Buy by quote amount: the market's max quantity (its budget is what limits it). */
  qty_lots: number;
  /** A Market Buy by quote amount: its budget, fee included (a decimal of the quote asset). */
  quote_quantity?: string;
  /** As the place asked (absent: the default, EXPIRE_MAKER). */
  self_trade_prevention?: SelfTradePrevention;
  filled_lots: number;
  /** Sum of price_ticks x lots over the fills, as a bigint string (exact average price). */
  notional: string;
  /** The most recent fills, oldest first: at most the engine's `ENGINE_ORDER_FILLS_MAX`. */
  fills: FillRecord[];
  /** How many fills the order has had in all (the sums above cover every one of them). */
  fills_total: number;
  /** Sum of the fees of every fill, in fee units. */
  fee_total: number;
  status: OrderStatus;
  reject_reason?: string;
  cancel_reason?: string;
  created_at: number;
  updated_at: number;
  seq: number;
}

/**
 * The stored state of an order (`keys.order(id)`), written the same way by the api (ACCEPTED,
 * atomically with its command) and by the engine (every change): one string,
 * `<created_at>,<updated_at>,<StoredOrderState JSON>`, the times in decimal milliseconds
 * ({@link encodeStoredOrder}). The times lead because the api learns them (its command's stream
 * id) only inside the script that appends the command: the script writes them in front of the
 * state the api encoded, and nobody edits JSON text. One plain string, set whole with its TTL,
 * because a hash of fields cost the store more memory and time per changed order.
 */
export function encodeStoredOrder(created_at: number, updated_at: number, stateJson: string): string {
  return `${created_at},${updated_at},${stateJson}`;
}

/** The {@link encodeStoredOrder} text of a record. */
export function storedOrderOf(o: OrderRecord): string {
  return encodeStoredOrder(o.created_at, o.updated_at, JSON.stringify(orderStateOf(o)));
}

/** The record a stored order's text and its fill list (`LRANGE keys.orderFills(id)`) hold. */
export function decodeStoredOrder(text: string, fills: readonly string[] = []): OrderRecord {
  const c1 = text.indexOf(',');
  const c2 = text.indexOf(',', c1 + 1);
  return decodeOrderState(JSON.parse(text.slice(c2 + 1)) as StoredOrderState, Number(text.slice(0, c1)), Number(text.slice(c1 + 1, c2)), fills.map(decodeStoredFill));
}

/**
 * The order's fields but its times, as a JSON array in a fixed order: integers as the engine
 * keeps them, absent optionals as null, each fill `[exec_id, price_ticks, qty_lots, fee,
 * "m"|"t", counter_order_id, ts]`. Much smaller than the rendered `OrderView` (figures: docs/benchmarks.md).
 */
export type StoredOrderState = [
  order_id: string,
  client_order_id: string | null,
  side: Side,
  type: OrderType,
  tif: TimeInForce,
  price_ticks: number | null,
  qty_lots: number,
  filled_lots: number,
  notional: string,
  status: OrderStatus,
  reject_reason: string | null,
  cancel_reason: string | null,
  seq: number,
  fills_total: number,
  fee_total: number,
  account_id?: string | null,
  quote_quantity?: string | null,
  self_trade_prevention?: SelfTradePrevention,
];

/**
 * One fill in an order's fill list (`keys.orderFills`), integers as the engine keeps them:
 * `[exec_id, price_ticks, qty_lots, fee, "m"|"t", counter_order_id, ts]`.
 */
export type StoredFill = [exec_id: string, price_ticks: number, qty_lots: number, fee: number, liquidity: 'm' | 't', counter_order_id: string, ts: number];

/** An order record without its times and fills: what {@link StoredOrderState} holds. */
export type OrderStateRecord = Omit<OrderRecord, 'created_at' | 'updated_at' | 'fills'>;

/** The JSON of one fill in an order's fill list. */
export function encodeStoredFill(f: FillRecord): string {
  const row: StoredFill = [f.exec_id, f.price_ticks, f.qty_lots, f.fee, f.liquidity === 'maker' ? 'm' : 't', f.counter_order_id, f.ts];
  return JSON.stringify(row);
}

/** The fill an {@link encodeStoredFill} text holds. */
export function decodeStoredFill(text: string): FillRecord {
  const [exec_id, price_ticks, qty_lots, fee, liquidity, counter_order_id, ts] = JSON.parse(text) as StoredFill;
  return { exec_id, price_ticks, qty_lots, fee, liquidity: liquidity === 'm' ? 'maker' : 'taker', counter_order_id, ts };
}

/**
 * The record of an order as its place command makes it (ACCEPTED), before the engine applies it;
 * `ts` is the command's time (the api, which stores no times in the state, passes 0).
 *
 * Every record the engine keeps is built as one object literal, the optional fields assigned
 * after it ({@link decodeOrderState} too): V8 keeps a literal's fields inside the object, while
 * an object assembled by spreading keeps most of them in a separate property array, and the
 * engine reads and writes these fields on every fill of every open order.
 */
export function acceptedOrder(cmd: PlaceCommand, ts: number): OrderRecord {
  const o: OrderRecord = {
    order_id: cmd.order_id,
    side: cmd.side,
    type: cmd.type,
    tif: cmd.tif,
    price_ticks: cmd.price_ticks,
    qty_lots: cmd.qty_lots,
    filled_lots: 0,
    notional: '0',
    fills: [],
    fills_total: 0,
    fee_total: 0,
    status: 'ACCEPTED',
    created_at: ts,
    updated_at: ts,
    seq: 0,
  };
  if (cmd.client_order_id !== undefined) o.client_order_id = cmd.client_order_id;
  if (cmd.account_id !== undefined) o.account_id = cmd.account_id;
  if (cmd.quote_quantity !== undefined) o.quote_quantity = cmd.quote_quantity;
  if (cmd.self_trade_prevention !== undefined) o.self_trade_prevention = cmd.self_trade_prevention;
  return o;
}

/**
 * The {@link StoredOrderState} of a record (the engine's snapshot keeps open orders so too). The
 * fills are not part of it: they are appended to the order's own bounded list as they happen, so
 * a state rewritten on every change stays the same size however often the order fills.
 */
export function orderStateOf(o: OrderStateRecord): StoredOrderState {
  const state: StoredOrderState = [
    o.order_id,
    o.client_order_id ?? null,
    o.side,
    o.type,
    o.tif,
    o.price_ticks,
    o.qty_lots,
    o.filled_lots,
    o.notional,
    o.status,
    o.reject_reason ?? null,
    o.cancel_reason ?? null,
    o.seq,
    o.fills_total,
    o.fee_total,
  ];
  // The optional fields come last, an absent one null when a later one is present.
  if (o.self_trade_prevention !== undefined) state.push(o.account_id ?? null, o.quote_quantity ?? null, o.self_trade_prevention);
  else if (o.quote_quantity !== undefined) state.push(o.account_id ?? null, o.quote_quantity);
  else if (o.account_id !== undefined) state.push(o.account_id);
  return state;
}

/**
 * The record a {@link StoredOrderState}, its times and its most recent fills hold (one literal:
 * see {@link acceptedOrder}).
 */
export function decodeOrderState(s: StoredOrderState, created_at: number, updated_at: number, fills: FillRecord[] = []): OrderRecord {
  const [order_id, client_order_id, side, type, tif, price_ticks, qty_lots, filled_lots, notional, status, reject_reason, cancel_reason, seq, fills_total, fee_total, account_id, quote_quantity, self_trade_prevention] = s;
  const o: OrderRecord = {
    order_id,
    side,
    type,
    tif,
    price_ticks,
    qty_lots,
    filled_lots,
    notional,
    fills,
    fills_total,
    fee_total,
    status,
    created_at,
    updated_at,
    seq,
  };
  if (client_order_id !== null) o.client_order_id = client_order_id;
  if (account_id !== undefined && account_id !== null) o.account_id = account_id;
  if (quote_quantity !== undefined && quote_quantity !== null) o.quote_quantity = quote_quantity;
  if (self_trade_prevention !== undefined) o.self_trade_prevention = self_trade_prevention;
  if (reject_reason !== null) o.reject_reason = reject_reason;
  if (cancel_reason !== null) o.cancel_reason = cancel_reason;
  return o;
}

/**
 * The `OrderView` of a stored order's text (`GET keys.order(id)`; undefined when not stored) and
 * its fill list.
 */
export function readStoredOrder(spec: MarketSpec, text: string | null | undefined, fills: readonly string[] = []): OrderView | undefined {
  return readOwnedOrder(spec, text, fills)?.view;
}

/** {@link readStoredOrder} with the order's owner (which is never part of the view). */
export function readOwnedOrder(spec: MarketSpec, text: string | null | undefined, fills: readonly string[] = []): { view: OrderView; accountId: string | undefined } | undefined {
  if (text === null || text === undefined) return undefined;
  const record = decodeStoredOrder(text, fills);
  return { view: renderOrderView(spec, record), accountId: record.account_id };
}

/**
 * One fill in an account's trade list (`keys.accountTrades`), integers as the engine keeps them:
 * `[exec_id, order_id, side, price_ticks, qty_lots, fee, "m"|"t", ts]`.
 */
export type AccountTradeRecord = [exec_id: string, order_id: string, side: Side, price_ticks: number, qty_lots: number, fee: number, liquidity: 'm' | 't', ts: number];

export function encodeAccountTrade(orderId: string, side: Side, f: FillRecord): string {
  const record: AccountTradeRecord = [f.exec_id, orderId, side, f.price_ticks, f.qty_lots, f.fee, f.liquidity === 'maker' ? 'm' : 't', f.ts];
  return JSON.stringify(record);
}

/** An account trade list entry as the wire `MyTrade` (fees are charged in the quote asset). */
export function renderAccountTrade(spec: MarketSpec, text: string): MyTrade {
  const [exec_id, order_id, side, price_ticks, qty_lots, fee, liquidity, ts] = JSON.parse(text) as AccountTradeRecord;
  const units = unitsOf(spec);
  return {
    exec_id,
    order_id,
    symbol: spec.symbol,
    side,
    price: units.price(price_ticks),
    quantity: units.quantity(qty_lots),
    fee: units.fee(fee),
    fee_asset: spec.config.quote,
    liquidity: liquidity === 'm' ? 'maker' : 'taker',
    timestamp: ts,
  };
}

/** The market's converters, built once per spec (this runs for every order read). */
const unitsBySpec = new WeakMap<MarketSpec, WireUnits>();
function unitsOf(spec: MarketSpec): WireUnits {
  let units = unitsBySpec.get(spec);
  if (!units) unitsBySpec.set(spec, (units = wireUnits(spec)));
  return units;
}

/** Renders a record as the wire `OrderView`, decimals exact. */
export function renderOrderView(spec: MarketSpec, o: OrderRecord, symbol: string = spec.symbol): OrderView {
  const { price, quantity: qty, fee } = unitsOf(spec);
  return {
    order_id: o.order_id,
    ...(o.client_order_id !== undefined ? { client_order_id: o.client_order_id } : {}),
    symbol,
    side: o.side,
    type: o.type,
    time_in_force: o.tif,
    price: o.price_ticks === null ? null : price(o.price_ticks),
    ...(o.quote_quantity === undefined
      ? { quantity: qty(o.qty_lots) }
      : { quantity: qty(o.filled_lots), quote_quantity: Number(o.quote_quantity) }),
    filled_quantity: qty(o.filled_lots),
    // A quote order has no quantity of its own to wait for: nothing remains of it but its budget.
    remaining_quantity: o.quote_quantity === undefined ? qty(o.qty_lots - o.filled_lots) : 0,
    average_price: averagePrice(spec, o),
    status: o.status,
    ...(o.self_trade_prevention !== undefined ? { self_trade_prevention: o.self_trade_prevention } : {}),
    ...(o.reject_reason !== undefined ? { reject_reason: o.reject_reason } : {}),
    ...(o.cancel_reason !== undefined ? { cancel_reason: o.cancel_reason } : {}),
    fills: o.fills.map((f) => ({
      exec_id: f.exec_id,
      price: price(f.price_ticks),
      quantity: qty(f.qty_lots),
      fee: fee(f.fee),
      liquidity: f.liquidity,
      counter_order_id: f.counter_order_id,
      timestamp: f.ts,
    })),
    fills_total: o.fills_total,
    cumulative_quote_quantity: cumulativeQuote(spec, o),
    created_at: o.created_at,
    updated_at: o.updated_at,
    sequence: o.seq,
  };
}

/** price x quantity summed over every fill, in the quote asset (exact within a double's digits). */
function cumulativeQuote(spec: MarketSpec, o: OrderRecord): number {
  return toWireNumber(Number(o.notional), notionalStep(spec));
}

/** Volume-weighted average fill price; exact when it falls on a tick, else the nearest double. */
function averagePrice(spec: MarketSpec, o: OrderRecord): number | null {
  if (o.filled_lots === 0) return null;
  const notional = BigInt(o.notional);
  const filled = BigInt(o.filled_lots);
  const { price } = unitsOf(spec);
  if (notional % filled === 0n) return price(Number(notional / filled));
  return (Number(notional) / o.filled_lots) * price(1);
}

/**
 * The answer to one cancel request; the api then reads the order's stored state, which the engine
 * committed before publishing.
 */
export const CancelOutcome = z.object({
  request_id: z.string(),
  order_id: z.string(),
  /** true: the order was cancelled; false: ORDER_NOT_FOUND. */
  ok: z.boolean(),
  message: z.string().optional(),
});
export type CancelOutcome = z.infer<typeof CancelOutcome>;

/** The answer to one cancel-all request: the ids of the orders it cancelled (possibly none). */
export const CancelAllOutcome = z.object({ request_id: z.string(), order_ids: z.array(z.string()) });
export type CancelAllOutcome = z.infer<typeof CancelAllOutcome>;

/**
 * The answer to one amend request; the api then reads the order's stored state, which the engine
 * committed before publishing.
 */
export const AmendOutcome = z.object({
  request_id: z.string(),
  order_id: z.string(),
  /** true: the amend was applied; false: `code` says why nothing changed. */
  ok: z.boolean(),
  /** When applied: whether the order kept its time priority (less quantity at the same price). */
  kept_priority: z.boolean().optional(),
  code: AmendRejectCode.optional(),
  message: z.string().optional(),
});
export type AmendOutcome = z.infer<typeof AmendOutcome>;

/**
 * Published after each committed batch that placed orders or answered cancels or amends. It names what was
 * committed; the api node waiting on an order then reads its stored state (one GET), so the
 * engine encodes each order once, compactly, and publishes no views. Pub/sub is best effort: a
 * node that misses a message falls back to reading the stored state at its timeout.
 */
export const OutcomeMessage = z.object({
  symbol: z.string(),
  /** Committed stream position this message follows. */
  position: z.string(),
  /**
   * Sequence of the batch's last engine event (the core's, as the events carry it): once an
   * account's ledger shard has applied this far ({@link LedgerApplied}), what the batch did to the
   * account's funds (a release, a settlement) is in its balances.
   */
  seq: z.number().int().nonnegative(),
  /** Ids of the orders placed (accepted or rejected) in the batch. */
  orders: z.array(z.string()),
  cancels: z.array(CancelOutcome),
  amends: z.array(AmendOutcome),
  cancel_alls: z.array(CancelAllOutcome).optional(),
  /**
   * The ledger shards (`accountShard`) of the accounts whose orders the batch changed, ascending,
   * when the engine knows the shard count: only their writers have anything to settle from this
   * batch; the others read its events when they next look.
   */
  shards: z.array(z.number().int().nonnegative()).optional(),
});
export type OutcomeMessage = z.infer<typeof OutcomeMessage>;
