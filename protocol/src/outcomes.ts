import { z } from 'zod';
import { OrderStatus, OrderView, type OrderType, type Side, type TimeInForce } from './rest';
import type { MarketSpec } from './symbols';
import { wireUnits, type WireUnits } from './wire';

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
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  price_ticks: number | null;
  qty_lots: number;
  filled_lots: number;
  /** Sum of price_ticks x lots over the fills, as a bigint string (exact average price). */
  notional: string;
  fills: FillRecord[];
  status: OrderStatus;
  reject_reason?: string;
  cancel_reason?: string;
  created_at: number;
  updated_at: number;
  seq: number;
}

/**
 * The engine's stored order state (`keys.order(id)`): a JSON array of the record's fields in a
 * fixed order, integers as the engine keeps them, absent optionals as null, each fill
 * `[exec_id, price_ticks, qty_lots, fee, "m"|"t", counter_order_id, ts]`. A third of the size of
 * the rendered `OrderView` and much cheaper to write; readers render it with
 * {@link readStoredOrder}. (The api's ACCEPTED state, written with the command, is an `OrderView`
 * JSON object: a stored state starting with `[` is the engine's.)
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
  created_at: number,
  updated_at: number,
  seq: number,
  fills: StoredFill[],
];
type StoredFill = [exec_id: string, price_ticks: number, qty_lots: number, fee: number, liquidity: 'm' | 't', counter_order_id: string, ts: number];

const q = JSON.stringify;

/**
 * The stored JSON text of an order record: `JSON.stringify(orderStateOf(o))`, written out
 * directly (this runs for every order a batch changes). Enum fields need no escaping; ids and
 * reasons go through JSON.stringify.
 */
export function encodeOrderState(o: OrderRecord): string {
  let fills = '';
  for (const f of o.fills) {
    if (fills !== '') fills += ',';
    fills += `[${q(f.exec_id)},${f.price_ticks},${f.qty_lots},${f.fee},"${f.liquidity === 'maker' ? 'm' : 't'}",${q(f.counter_order_id)},${f.ts}]`;
  }
  const coid = o.client_order_id === undefined ? 'null' : q(o.client_order_id);
  const reject = o.reject_reason === undefined ? 'null' : q(o.reject_reason);
  const cancel = o.cancel_reason === undefined ? 'null' : q(o.cancel_reason);
  return `[${q(o.order_id)},${coid},"${o.side}","${o.type}","${o.tif}",${o.price_ticks},${o.qty_lots},${o.filled_lots},${q(o.notional)},"${o.status}",${reject},${cancel},${o.created_at},${o.updated_at},${o.seq},[${fills}]]`;
}

/** The {@link StoredOrderState} of a record (the engine's snapshot keeps open orders so too). */
export function orderStateOf(o: OrderRecord): StoredOrderState {
  const fills: StoredFill[] = [];
  for (const f of o.fills) fills.push([f.exec_id, f.price_ticks, f.qty_lots, f.fee, f.liquidity === 'maker' ? 'm' : 't', f.counter_order_id, f.ts]);
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
    o.created_at,
    o.updated_at,
    o.seq,
    fills,
  ];
  return state;
}

/** The record a {@link StoredOrderState} holds. */
export function decodeOrderState(s: StoredOrderState): OrderRecord {
  const [order_id, client_order_id, side, type, tif, price_ticks, qty_lots, filled_lots, notional, status, reject_reason, cancel_reason, created_at, updated_at, seq, fills] = s;
  return {
    order_id,
    ...(client_order_id !== null ? { client_order_id } : {}),
    side,
    type,
    tif,
    price_ticks,
    qty_lots,
    filled_lots,
    notional,
    fills: fills.map(([exec_id, price_ticks, qty_lots, fee, liquidity, counter_order_id, ts]) => ({
      exec_id,
      price_ticks,
      qty_lots,
      fee,
      liquidity: liquidity === 'm' ? 'maker' : 'taker',
      counter_order_id,
      ts,
    })),
    status,
    ...(reject_reason !== null ? { reject_reason } : {}),
    ...(cancel_reason !== null ? { cancel_reason } : {}),
    created_at,
    updated_at,
    seq,
  };
}

/** The `OrderView` of a stored order state, whichever of the two forms it is in. */
export function readStoredOrder(spec: MarketSpec, text: string): OrderView {
  const value = JSON.parse(text) as StoredOrderState | OrderView;
  return Array.isArray(value) ? renderOrderView(spec, decodeOrderState(value)) : value;
}

/** The market's converters, built once per spec (this runs for every order read). */
const unitsBySpec = new WeakMap<MarketSpec, WireUnits>();
function unitsOf(spec: MarketSpec): WireUnits {
  let units = unitsBySpec.get(spec);
  if (!units) unitsBySpec.set(spec, (units = wireUnits(spec)));
  return units;
}

/** Renders a record as the wire `OrderView` (SPEC §3), decimals exact. */
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
    quantity: qty(o.qty_lots),
    filled_quantity: qty(o.filled_lots),
    remaining_quantity: qty(o.qty_lots - o.filled_lots),
    average_price: averagePrice(spec, o),
    status: o.status,
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
    created_at: o.created_at,
    updated_at: o.updated_at,
    sequence: o.seq,
  };
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

/**
 * Published after each committed batch that placed orders or answered cancels. It names what was
 * committed; the api node waiting on an order then reads its stored state (one GET), so the
 * engine encodes each order once, compactly, and publishes no views. Pub/sub is best effort: a
 * node that misses a message falls back to reading the stored state at its timeout.
 */
export const OutcomeMessage = z.object({
  symbol: z.string(),
  /** Committed stream position this message follows. */
  position: z.string(),
  /** Ids of the orders placed (accepted or rejected) in the batch. */
  orders: z.array(z.string()),
  cancels: z.array(CancelOutcome),
});
export type OutcomeMessage = z.infer<typeof OutcomeMessage>;
