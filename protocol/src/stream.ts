import { z } from 'zod';
import { ClientOrderId, OrderType, SELF_TRADE_PREVENTION_MODES, SelfTradePrevention, Side, TimeInForce } from './rest';
import { AMEND_REJECT_CODES, CANCEL_REJECT_CODES, REJECT_CODES } from './errors';

/**
 * Commands on a symbol's command stream and the events the engine derives from them, version 1.
 *
 * Inside the exchange prices are integer ticks and quantities integer lots of the symbol's
 * config; fees are integer fee units (10^-fee_decimals of the quote currency). A command's time
 * is not in it: it is the millisecond part of the stream id Redis assigned when it was appended,
 * so replaying the stream gives the core the same clock.
 */
export const STREAM_VERSION = 1;

const Ticks = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Lots = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const OrderId = z.string().min(1).max(64);
/** The account an order belongs to (api nodes always set it; absent only in commands written before accounts). */
const AccountId = z.string().min(1).max(64);
/** A quote amount as a plain decimal string ("150000.5"): the api has checked it against the quote asset's unit. */
const QuoteAmount = z.string().regex(/^\d+(\.\d+)?$/).max(40);


export const PlaceCommand = z.object({
  v: z.literal(1),
  kind: z.literal('place'),
  order_id: OrderId,
  client_order_id: ClientOrderId.optional(),
  side: Side,
  type: OrderType,
  tif: TimeInForce,
  /** null for market orders. */
  price_ticks: Ticks.nullable(),
  qty_lots: Lots,
  account_id: AccountId.optional(),
  /**
   * Market Buy by quote amount: spend at most this much quote, fee included (the engine stops
   * before a fill whose price x quantity plus taker fee would overspend it); `qty_lots` is then
   * the market's max quantity.
   */
  quote_quantity: QuoteAmount.optional(),
  /** Market Buy by quantity: what the ledger locked for it; the engine never spends more (fee included). */
  spend_limit: QuoteAmount.optional(),
  /** Only with an `account_id`; absent means {@link DEFAULT_SELF_TRADE_PREVENTION}. */
  self_trade_prevention: SelfTradePrevention.optional(),
});
export type PlaceCommand = z.infer<typeof PlaceCommand>;

export const CancelCommand = z.object({
  v: z.literal(1),
  kind: z.literal('cancel'),
  order_id: OrderId,
  /** Lets the api node that asked find the outcome of this particular request. */
  request_id: z.string().min(1).max(64),
  /** The account asking: another account's order is answered as not found. */
  account_id: AccountId.optional(),
});
export type CancelCommand = z.infer<typeof CancelCommand>;

/**
 * Changes a resting order. `qty_lots` is the order's new total quantity (what has filled
 * included), `price_ticks` its new limit price; an absent field stays as it is. A smaller quantity
 * at the same price keeps the order's time priority; any other change takes the order off the book
 * and places it again under the same id (it loses its priority and trades if it now crosses).
 */
export const AmendCommand = z.object({
  v: z.literal(1),
  kind: z.literal('amend'),
  order_id: OrderId,
  /** Lets the api node that asked find the outcome of this particular request. */
  request_id: z.string().min(1).max(64),
  qty_lots: Lots.optional(),
  price_ticks: Ticks.optional(),
  /** The account asking: another account's order is answered as not found. */
  account_id: AccountId.optional(),
});
export type AmendCommand = z.infer<typeof AmendCommand>;

/** Cancels every open order of one account on this symbol (oldest first), in one command. */
export const CancelAllCommand = z.object({
  v: z.literal(1),
  kind: z.literal('cancel_all'),
  account_id: AccountId,
  request_id: z.string().min(1).max(64),
});
export type CancelAllCommand = z.infer<typeof CancelAllCommand>;

/** Advances market-data time (candle closes, 24h window expiry) when no order does. */
export const ClockCommand = z.object({ v: z.literal(1), kind: z.literal('clock') });
export type ClockCommand = z.infer<typeof ClockCommand>;

export const StreamCommand = z.discriminatedUnion('kind', [PlaceCommand, CancelCommand, CancelAllCommand, AmendCommand, ClockCommand]);
export type StreamCommand = z.infer<typeof StreamCommand>;

/** A command as the core sees it: with its time (ms since epoch) attached by the runner. */
export type TimedCommand = StreamCommand & { ts: number };

const SIDES: ReadonlySet<unknown> = new Set(Side.options);
const ORDER_TYPES: ReadonlySet<unknown> = new Set(OrderType.options);
const TIFS: ReadonlySet<unknown> = new Set(TimeInForce.options);

const STP_MODES: ReadonlySet<unknown> = new Set(SELF_TRADE_PREVENTION_MODES);
const isId = (x: unknown): x is string => typeof x === 'string' && x.length >= 1 && x.length <= 64;
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;

/**
 * `StreamCommand.safeParse(value)` with `ts` attached, for the engine's hot path: the commands
 * the api writes are checked by hand (the same rules as the schemas, output stripped to the
 * schema's fields like zod's) and anything the hand check does not accept goes through the
 * schema, so the verdict and its error message are always the schema's (figures: docs/benchmarks.md).
 */
export function parseTimedCommand(value: unknown, ts: number): { ok: true; cmd: TimedCommand } | { ok: false; error: string } {
  const c = value as Record<string, unknown> | null;
  if (typeof c === 'object' && c !== null && c.v === 1) {
    if (c.kind === 'place') {
      const coid = c.client_order_id;
      const price = c.price_ticks;
      const account = c.account_id;
      const quote = c.quote_quantity;
      const limit = c.spend_limit;
      const stp = c.self_trade_prevention;
      if (
        isId(c.order_id) &&
        (account === undefined || isId(account)) &&
        (quote === undefined || QuoteAmount.safeParse(quote).success) &&
        (limit === undefined || QuoteAmount.safeParse(limit).success) &&
        (stp === undefined || STP_MODES.has(stp)) &&
        (coid === undefined || ClientOrderId.safeParse(coid).success) &&
        SIDES.has(c.side) &&
        ORDER_TYPES.has(c.type) &&
        TIFS.has(c.tif) &&
        (price === null || isCount(price)) &&
        isCount(c.qty_lots)
      ) {
        const cmd = { v: 1, kind: 'place', order_id: c.order_id, side: c.side, type: c.type, tif: c.tif, price_ticks: price, qty_lots: c.qty_lots, ts } as TimedCommand;
        if (coid !== undefined) (cmd as PlaceCommand).client_order_id = coid as string;
        if (account !== undefined) (cmd as PlaceCommand).account_id = account as string;
        if (quote !== undefined) (cmd as PlaceCommand).quote_quantity = quote as string;
        if (limit !== undefined) (cmd as PlaceCommand).spend_limit = limit as string;
        if (stp !== undefined) (cmd as PlaceCommand).self_trade_prevention = stp as SelfTradePrevention;
        return { ok: true, cmd };
      }
    } else if (c.kind === 'cancel') {
      if (isId(c.order_id) && isId(c.request_id) && (c.account_id === undefined || isId(c.account_id))) {
        const cmd: TimedCommand = { v: 1, kind: 'cancel', order_id: c.order_id, request_id: c.request_id, ts };
        if (c.account_id !== undefined) cmd.account_id = c.account_id;
        return { ok: true, cmd };
      }
    } else if (c.kind === 'amend') {
      const qty = c.qty_lots;
      const price = c.price_ticks;
      if (isId(c.order_id) && isId(c.request_id) && (qty === undefined || isCount(qty)) && (price === undefined || isCount(price)) && (c.account_id === undefined || isId(c.account_id))) {
        const cmd: AmendCommand & { ts: number } = { v: 1, kind: 'amend', order_id: c.order_id, request_id: c.request_id, ts };
        if (qty !== undefined) cmd.qty_lots = qty as number;
        if (price !== undefined) cmd.price_ticks = price as number;
        if (c.account_id !== undefined) cmd.account_id = c.account_id;
        return { ok: true, cmd };
      }
    } else if (c.kind === 'clock') {
      return { ok: true, cmd: { v: 1, kind: 'clock', ts } };
    }
  }
  const parsed = StreamCommand.safeParse(value);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid' };
  return { ok: true, cmd: { ...parsed.data, ts } };
}

const EventBase = { v: z.literal(1), seq: z.number().int().positive(), ts: z.number().int() };

export const AcceptedEvent = z.object({
  ...EventBase,
  kind: z.literal('accepted'),
  order_id: OrderId,
  client_order_id: ClientOrderId.optional(),
  side: Side,
  type: OrderType,
  tif: TimeInForce,
  price_ticks: Ticks.nullable(),
  qty_lots: Lots,
  account_id: AccountId.optional(),
});
export type AcceptedEvent = z.infer<typeof AcceptedEvent>;

export const RejectCode = z.enum(REJECT_CODES);
export type RejectCode = z.infer<typeof RejectCode>;
export const RejectedEvent = z.object({
  ...EventBase,
  kind: z.literal('rejected'),
  order_id: OrderId,
  code: RejectCode,
  message: z.string(),
  account_id: AccountId.optional(),
});
export type RejectedEvent = z.infer<typeof RejectedEvent>;

export const TradeEvent = z.object({
  ...EventBase,
  kind: z.literal('trade'),
  /** `${symbol}-${seq}`: unique and the same on every replay. */
  trade_id: z.string(),
  taker_order_id: OrderId,
  maker_order_id: OrderId,
  taker_side: Side,
  /** Always the maker's price. */
  price_ticks: Ticks,
  qty_lots: Lots,
  taker_fee: z.number().int().nonnegative(),
  maker_fee: z.number().int().nonnegative(),
  taker_remaining_lots: z.number().int().nonnegative(),
  maker_remaining_lots: z.number().int().nonnegative(),
  taker_account_id: AccountId.optional(),
  maker_account_id: AccountId.optional(),
});
export type TradeEvent = z.infer<typeof TradeEvent>;

/** The order's remainder now rests on the book. */
export const RestedEvent = z.object({
  ...EventBase,
  kind: z.literal('rested'),
  order_id: OrderId,
  side: Side,
  price_ticks: Ticks,
  remaining_lots: Lots,
});
export type RestedEvent = z.infer<typeof RestedEvent>;

/**
 * Why an order ended cancelled: `user` (a cancel), `ioc_remainder` (a Limit IOC's rest),
 * `no_liquidity` (a Market order's rest), `budget_spent` (a Market Buy whose quote budget cannot
 * pay for the next lot), `SELF_TRADE_PREVENTION` (expired by self-trade prevention; spelled as
 * the contract's `cancel_reason`).
 */
export const CancelReason = z.enum(['user', 'ioc_remainder', 'no_liquidity', 'budget_spent', 'SELF_TRADE_PREVENTION']);
export type CancelReason = z.infer<typeof CancelReason>;
export const CancelledEvent = z.object({
  ...EventBase,
  kind: z.literal('cancelled'),
  order_id: OrderId,
  remaining_lots: z.number().int().nonnegative(),
  reason: CancelReason,
  request_id: z.string().optional(),
  account_id: AccountId.optional(),
});
export type CancelledEvent = z.infer<typeof CancelledEvent>;

export const CancelRejectedEvent = z.object({
  ...EventBase,
  kind: z.literal('cancel_rejected'),
  order_id: OrderId,
  request_id: z.string(),
  code: z.enum(CANCEL_REJECT_CODES),
  message: z.string(),
});
export type CancelRejectedEvent = z.infer<typeof CancelRejectedEvent>;

/**
 * An amend was applied: `kept_priority` true when only the quantity went down at the same price
 * (the order kept its place in the queue), false when it was taken off and placed again (trades,
 * `rested` and `book` events follow as for a place). `qty_lots` is the new total quantity,
 * `remaining_lots` what is left of it to fill (before any trade this amend causes).
 */
export const AmendedEvent = z.object({
  ...EventBase,
  kind: z.literal('amended'),
  order_id: OrderId,
  request_id: z.string(),
  kept_priority: z.boolean(),
  side: Side,
  price_ticks: Ticks,
  qty_lots: Lots,
  remaining_lots: Lots,
});
export type AmendedEvent = z.infer<typeof AmendedEvent>;

export const AmendRejectCode = z.enum(AMEND_REJECT_CODES);
export type AmendRejectCode = z.infer<typeof AmendRejectCode>;
/** An amend that changed nothing, and why. */
export const AmendRejectedEvent = z.object({
  ...EventBase,
  kind: z.literal('amend_rejected'),
  order_id: OrderId,
  request_id: z.string(),
  code: AmendRejectCode,
  message: z.string(),
});
export type AmendRejectedEvent = z.infer<typeof AmendRejectedEvent>;

/** The total resting quantity at one price level after a command (0: the level is gone). */
export const BookEvent = z.object({
  ...EventBase,
  kind: z.literal('book'),
  side: Side,
  price_ticks: Ticks,
  qty_lots: z.number().int().nonnegative(),
});
export type BookEvent = z.infer<typeof BookEvent>;

export const EngineEvent = z.discriminatedUnion('kind', [
  AcceptedEvent,
  RejectedEvent,
  TradeEvent,
  RestedEvent,
  CancelledEvent,
  CancelRejectedEvent,
  AmendedEvent,
  AmendRejectedEvent,
  BookEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

/**
 * Compact encoding of engine events for the events stream (the audit trail): one JSON array per
 * event, `[code, seq, ts, ...fields]`, fields in the fixed order of {@link EVENT_FIELDS}, an
 * absent optional field (always the last one) left out. Much smaller than the event objects
 * (figures: docs/benchmarks.md); {@link decodeEvent} gives back the exact event.
 */
export type CompactEvent = (string | number | boolean | null)[];

/** One-letter code of each event kind in a {@link CompactEvent}. */
export const EVENT_CODES = {
  accepted: 'a',
  rejected: 'j',
  trade: 't',
  rested: 'r',
  cancelled: 'c',
  cancel_rejected: 'x',
  amended: 'm',
  amend_rejected: 'n',
  book: 'b',
} as const satisfies Record<EngineEvent['kind'], string>;

/**
 * The fields after `[code, seq, ts]`, in order; a field ending in `?` is optional. Optional fields
 * come last: an absent one is null when a later one is present, and trailing absent ones are left out.
 */
export const EVENT_FIELDS: Record<EngineEvent['kind'], readonly string[]> = {
  accepted: ['order_id', 'side', 'type', 'tif', 'price_ticks', 'qty_lots', 'client_order_id?', 'account_id?'],
  rejected: ['order_id', 'code', 'message', 'account_id?'],
  trade: [
    'trade_id',
    'taker_order_id',
    'maker_order_id',
    'taker_side',
    'price_ticks',
    'qty_lots',
    'taker_fee',
    'maker_fee',
    'taker_remaining_lots',
    'maker_remaining_lots',
    'taker_account_id?',
    'maker_account_id?',
  ],
  rested: ['order_id', 'side', 'price_ticks', 'remaining_lots'],
  cancelled: ['order_id', 'remaining_lots', 'reason', 'request_id?', 'account_id?'],
  cancel_rejected: ['order_id', 'request_id', 'code', 'message'],
  amended: ['order_id', 'request_id', 'kept_priority', 'side', 'price_ticks', 'qty_lots', 'remaining_lots'],
  amend_rejected: ['order_id', 'request_id', 'code', 'message'],
  book: ['side', 'price_ticks', 'qty_lots'],
};

const KIND_OF_CODE = new Map<string, EngineEvent['kind']>(Object.entries(EVENT_CODES).map(([kind, code]) => [code, kind as EngineEvent['kind']]));

/** `out` with the optional trailing `values` appended (absent ones null, trailing absent ones left out). */
function withOptionals(out: CompactEvent, ...values: (string | undefined)[]): CompactEvent {
  let last = values.length;
  while (last > 0 && values[last - 1] === undefined) last--;
  for (let i = 0; i < last; i++) out.push(values[i] ?? null);
  return out;
}

/** The compact form of one event (hand-written per kind: this runs for every event committed). */
export function encodeEvent(e: EngineEvent): CompactEvent {
  switch (e.kind) {
    case 'book':
      return ['b', e.seq, e.ts, e.side, e.price_ticks, e.qty_lots];
    case 'trade':
      return withOptionals(
        ['t', e.seq, e.ts, e.trade_id, e.taker_order_id, e.maker_order_id, e.taker_side, e.price_ticks, e.qty_lots, e.taker_fee, e.maker_fee, e.taker_remaining_lots, e.maker_remaining_lots],
        e.taker_account_id,
        e.maker_account_id,
      );
    case 'accepted':
      return withOptionals(['a', e.seq, e.ts, e.order_id, e.side, e.type, e.tif, e.price_ticks, e.qty_lots], e.client_order_id, e.account_id);
    case 'rested':
      return ['r', e.seq, e.ts, e.order_id, e.side, e.price_ticks, e.remaining_lots];
    case 'cancelled':
      return withOptionals(['c', e.seq, e.ts, e.order_id, e.remaining_lots, e.reason], e.request_id, e.account_id);
    case 'rejected':
      return withOptionals(['j', e.seq, e.ts, e.order_id, e.code, e.message], e.account_id);
    case 'cancel_rejected':
      return ['x', e.seq, e.ts, e.order_id, e.request_id, e.code, e.message];
    case 'amended':
      return ['m', e.seq, e.ts, e.order_id, e.request_id, e.kept_priority, e.side, e.price_ticks, e.qty_lots, e.remaining_lots];
    case 'amend_rejected':
      return ['n', e.seq, e.ts, e.order_id, e.request_id, e.code, e.message];
    default: {
      const never: never = e;
      throw new Error(`unknown engine event ${(never as { kind: string }).kind}`);
    }
  }
}

/** The event a {@link CompactEvent} encodes (for audit readers and tests; not on a hot path). */
export function decodeEvent(c: CompactEvent): EngineEvent {
  const kind = KIND_OF_CODE.get(String(c[0]));
  if (!kind) throw new Error(`unknown event code ${String(c[0])}`);
  const event: Record<string, unknown> = { v: STREAM_VERSION, seq: c[1], ts: c[2], kind };
  EVENT_FIELDS[kind].forEach((field, i) => {
    const value = c[3 + i];
    if (field.endsWith('?')) {
      if (value !== undefined && value !== null) event[field.slice(0, -1)] = value;
    } else event[field] = value;
  });
  return EngineEvent.parse(event);
}
