import {
  AmendOrderRequest,
  formatAssetAmount,
  parseAssetAmount,
  PlaceOrderRequest,
  SELF_TRADE_PREVENTION_MODES,
  XtError,
  type AssetSpec,
  type SelfTradePrevention,
  priceToTicks,
  quantityToLots,
  type ErrorCode,
  type MarketSpec,
  type OrderType,
  type Side,
  type TimeInForce,
} from '@xtrader/protocol';
import type { z } from 'zod';
import { clip } from '../errors';

/** A place request after validation: integer ticks and lots for one configured market. */
export interface NormalizedOrder {
  spec: MarketSpec;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  /** null for market orders. */
  priceTicks: number | null;
  /** A Market Buy by quote amount: the market's max quantity (the budget is what limits it). */
  qtyLots: number;
  /** A Market Buy by quote amount: its budget, fee included, as a canonical decimal of the quote asset. */
  quoteQuantity?: string;
  selfTradePrevention?: SelfTradePrevention;
  clientOrderId?: string;
}

/** Which error code a problem with each field maps to, in the order fields are checked. */
const FIELD_CODES: [field: string, code: ErrorCode, message: string][] = [
  ['symbol', 'INVALID_REQUEST', 'symbol must be a string naming a listed market'],
  ['side', 'INVALID_SIDE', 'side must be "Buy" or "Sell"'],
  ['type', 'INVALID_ORDER_TYPE', 'type must be "Limit" or "Market"'],
  ['time_in_force', 'INVALID_TIME_IN_FORCE', 'time_in_force must be one of GTC, IOC, FOK, POST_ONLY'],
  ['price', 'INVALID_PRICE', 'price must be a positive decimal (number or string)'],
  ['quantity', 'INVALID_QUANTITY', 'quantity must be a positive decimal (number or string)'],
  ['quote_quantity', 'INVALID_QUANTITY', 'quote_quantity must be a positive decimal (number or string)'],
  ['self_trade_prevention', 'INVALID_REQUEST', `self_trade_prevention must be one of ${SELF_TRADE_PREVENTION_MODES.join(', ')}`],
  ['client_order_id', 'INVALID_CLIENT_ORDER_ID', 'client_order_id must be 1-64 letters, digits, or _ . : -'],
];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Picks the one error to report from zod's issues: unknown fields first, then by field order. */
function issueToError(issues: z.core.$ZodIssue[], body: Record<string, unknown>): XtError {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && 'keys' in unknown) {
    const keys = unknown.keys as string[];
    const named = keys.slice(0, 3).map(clip).join(', ');
    return new XtError('INVALID_REQUEST', `unknown field(s): ${named}${keys.length > 3 ? ` and ${keys.length - 3} more` : ''}`);
  }
  for (const [field, code, message] of FIELD_CODES) {
    if (!issues.some((i) => i.path[0] === field)) continue;
    if (!(field in body)) return new XtError(code, `${field} is required`);
    return new XtError(code, message);
  }
  return new XtError('INVALID_REQUEST', issues[0]?.message ?? 'invalid request');
}

/**
 * Validates a `POST /order` body against the contract and the market's sizes, converting the
 * decimals exactly (never rounding). Throws {@link XtError} with its error code (docs/protocol.md) on any problem.
 */
export function parsePlaceOrder(body: unknown, markets: ReadonlyMap<string, MarketSpec>, assets: ReadonlyMap<string, AssetSpec>): NormalizedOrder {
  if (!isPlainObject(body)) throw new XtError('INVALID_REQUEST', 'the body must be a JSON object');
  const spec = typeof body.symbol === 'string' ? markets.get(body.symbol) : undefined;
  if (typeof body.symbol === 'string' && !spec) {
    throw new XtError('SYMBOL_NOT_FOUND', `symbol ${clip(body.symbol)} is not listed; listed: ${[...markets.keys()].join(', ')}`);
  }
  const parsed = PlaceOrderRequest.safeParse(body);
  if (!parsed.success) throw issueToError(parsed.error.issues, body);
  const req = parsed.data;
  if (!spec) throw new XtError('SYMBOL_NOT_FOUND', 'symbol is not listed');

  let tif: TimeInForce;
  if (req.type === 'Limit') {
    if (req.price === undefined) throw new XtError('PRICE_REQUIRED', 'a Limit order needs a price');
    tif = req.time_in_force ?? 'GTC';
  } else {
    if (req.price !== undefined) throw new XtError('INVALID_PRICE', 'a Market order takes no price');
    tif = req.time_in_force ?? 'IOC';
    if (tif !== 'IOC' && tif !== 'FOK') throw new XtError('INVALID_TIME_IN_FORCE', 'a Market order is IOC or FOK');
  }
  const priceTicks = req.price === undefined ? null : priceToTicks(spec, req.price);
  const stp = req.self_trade_prevention !== undefined ? { selfTradePrevention: req.self_trade_prevention } : {};
  const coid = req.client_order_id !== undefined ? { clientOrderId: req.client_order_id } : {};
  if (req.quote_quantity !== undefined) {
    if (!(req.type === 'Market' && req.side === 'Buy')) throw new XtError('INVALID_REQUEST', 'quote_quantity is for Market Buy orders only');
    if (req.quantity !== undefined) throw new XtError('INVALID_REQUEST', 'a Market Buy takes quantity or quote_quantity, not both');
    if (tif !== 'IOC') throw new XtError('INVALID_TIME_IN_FORCE', 'a Market Buy by quote_quantity is IOC (what its budget buys, the rest cancelled)');
    const quote = assets.get(spec.config.quote)!;
    let units: bigint;
    try {
      units = parseAssetAmount(quote, req.quote_quantity, 'quote_quantity');
    } catch (e) {
      throw new XtError('INVALID_QUANTITY', (e as Error).message);
    }
    return { spec, side: req.side, type: req.type, tif, priceTicks, qtyLots: spec.maxLots, quoteQuantity: formatAssetAmount(quote, units), ...stp, ...coid };
  }
  if (req.quantity === undefined) {
    throw new XtError('INVALID_QUANTITY', req.type === 'Market' && req.side === 'Buy' ? 'a Market Buy needs quantity or quote_quantity' : 'quantity is required');
  }
  const qtyLots = quantityToLots(spec, req.quantity);
  return { spec, side: req.side, type: req.type, tif, priceTicks, qtyLots, ...stp, ...coid };
}

/** An amend request after validation of its shape (the sizes are checked against the order's market). */
export interface AmendRequest {
  orderId: string;
  quantity?: string | number;
  price?: string | number;
}

/** Validates a `POST /order/amend` body's shape; throws {@link XtError} with the field's code. */
export function parseAmendOrder(body: unknown): AmendRequest {
  if (!isPlainObject(body)) throw new XtError('INVALID_REQUEST', 'the body must be a JSON object');
  const parsed = AmendOrderRequest.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const unknown = issues.find((i) => i.code === 'unrecognized_keys');
    if (unknown && 'keys' in unknown) throw issueToError(issues, body);
    if (issues.some((i) => i.path[0] === 'order_id')) parseOrderId(body.order_id);
    if (issues.some((i) => i.path[0] === 'quantity')) throw new XtError('INVALID_QUANTITY', 'quantity must be a positive decimal (number or string)');
    throw new XtError('INVALID_PRICE', 'price must be a positive decimal (number or string)');
  }
  const req = parsed.data;
  const orderId = parseOrderId(req.order_id);
  if (req.quantity === undefined && req.price === undefined) throw new XtError('INVALID_REQUEST', 'an amend needs a new quantity, a new price or both');
  return { orderId, ...(req.quantity !== undefined ? { quantity: req.quantity } : {}), ...(req.price !== undefined ? { price: req.price } : {}) };
}

/** Order ids are `<SYMBOL>_<uuid>` (or a bare UUID, given before), but anything key-safe up to 64 characters is looked up. */
const ORDER_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function parseOrderId(value: unknown): string {
  if (typeof value !== 'string' || !ORDER_ID_RE.test(value)) {
    throw new XtError('INVALID_ORDER_ID', 'order_id must be the id returned when the order was placed');
  }
  return value;
}

/** `timeout_ms` of wait mode and cancels: default 5000, at most 30000. */
export const DEFAULT_WAIT_MS = 5000;
export const MAX_WAIT_MS = 30_000;

export function parseTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_WAIT_MS;
  const n = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WAIT_MS) {
    throw new XtError('INVALID_REQUEST', `timeout_ms must be an integer from 1 to ${MAX_WAIT_MS}`);
  }
  return n;
}

export function parseWait(value: unknown): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw new XtError('INVALID_REQUEST', 'wait must be true or false');
}
