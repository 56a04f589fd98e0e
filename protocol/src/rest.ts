import { z } from 'zod';

/** Wire decimals: JSON numbers, or decimal strings (exactness is checked later). */
export const WireDecimal = z.union([z.number(), z.string()]);

export const Side = z.enum(['Buy', 'Sell']);
export type Side = z.infer<typeof Side>;
export const OrderType = z.enum(['Limit', 'Market']);
export type OrderType = z.infer<typeof OrderType>;
/**
 * GTC rests the remainder; IOC cancels it; FOK fills completely or not at all; POST_ONLY is
 * rejected if it would take liquidity. Market orders are IOC (default) or FOK.
 */
export const TimeInForce = z.enum(['GTC', 'IOC', 'FOK', 'POST_ONLY']);
export type TimeInForce = z.infer<typeof TimeInForce>;
export const OrderStatus = z.enum(['ACCEPTED', 'NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

const FINISHED: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELLED', 'REJECTED']);
/** FILLED, CANCELLED or REJECTED: the order will never change again. */
export function isFinished(status: OrderStatus): boolean {
  return FINISHED.has(status);
}

/**
 * Self-trade prevention, decided by the taker: when it meets a resting order of its own account,
 * `EXPIRE_TAKER` ends the taker, `EXPIRE_MAKER` (the default) cancels the resting order and goes
 * on, `EXPIRE_BOTH` does both, `NONE` lets them trade. An expired order ends cancelled with reason
 * `SELF_TRADE_PREVENTION`.
 */
export const SELF_TRADE_PREVENTION_MODES = ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH', 'NONE'] as const;
export const SelfTradePrevention = z.enum(SELF_TRADE_PREVENTION_MODES);
export type SelfTradePrevention = z.infer<typeof SelfTradePrevention>;
export const DEFAULT_SELF_TRADE_PREVENTION: SelfTradePrevention = 'EXPIRE_MAKER';

export const ClientOrderId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1-64 letters, digits, or _ . : -');

/**
 * POST /api/v1/order. Unknown fields are refused so a typo never changes an order silently. Every
 * order has a `quantity`, except a Market Buy, which has exactly one of `quantity` and
 * `quote_quantity` (spend at most this much quote, fee included).
 */
export const PlaceOrderRequest = z
  .object({
    symbol: z.string(),
    side: Side,
    type: OrderType,
    price: WireDecimal.optional(),
    quantity: WireDecimal.optional(),
    quote_quantity: WireDecimal.optional(),
    client_order_id: ClientOrderId.optional(),
    time_in_force: TimeInForce.optional(),
    self_trade_prevention: SelfTradePrevention.optional(),
  })
  .strict();
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const PlaceOrderAccepted = z.object({
  order_id: z.string(),
  status: z.literal('ACCEPTED'),
  client_order_id: z.string().optional(),
});
export type PlaceOrderAccepted = z.infer<typeof PlaceOrderAccepted>;

export const CancelOrderRequest = z.object({ order_id: z.string() }).strict();
export type CancelOrderRequest = z.infer<typeof CancelOrderRequest>;

/**
 * POST /api/v1/order/amend: `quantity` is the order's new total quantity (what has filled
 * included), `price` its new limit price; at least one of them. Less quantity at the same price
 * keeps the order's time priority; any other change places it again (it loses its priority and
 * trades if it now crosses).
 */
export const AmendOrderRequest = z
  .object({
    order_id: z.string(),
    quantity: WireDecimal.optional(),
    price: WireDecimal.optional(),
  })
  .strict();
export type AmendOrderRequest = z.infer<typeof AmendOrderRequest>;

export const Fill = z.object({
  exec_id: z.string(),
  price: z.number(),
  quantity: z.number(),
  fee: z.number(),
  liquidity: z.enum(['maker', 'taker']),
  counter_order_id: z.string(),
  timestamp: z.number(),
});
export type Fill = z.infer<typeof Fill>;

/** GET /api/v1/order/{id}, the body of a cancel's 200, and the wait-mode answer. */
export const OrderView = z.object({
  order_id: z.string(),
  client_order_id: z.string().optional(),
  symbol: z.string(),
  side: Side,
  type: OrderType,
  time_in_force: TimeInForce,
  price: z.number().nullable(),
  /** A Market Buy by quote amount has none of its own: what it filled. */
  quantity: z.number(),
  /** A Market Buy by quote amount: its budget (fee included). */
  quote_quantity: z.number().optional(),
  filled_quantity: z.number(),
  remaining_quantity: z.number(),
  average_price: z.number().nullable(),
  status: OrderStatus,
  /** As the place asked; absent: the default, EXPIRE_MAKER. */
  self_trade_prevention: SelfTradePrevention.optional(),
  reject_reason: z.string().optional(),
  cancel_reason: z.string().optional(),
  /** The most recent fills, oldest first (at most the engine's ENGINE_ORDER_FILLS_MAX). */
  fills: z.array(Fill),
  /** How many fills the order has had in all (more than `fills` holds once it passes the bound). */
  fills_total: z.number().int(),
  /** price x quantity summed over every fill, in the quote asset. */
  cumulative_quote_quantity: z.number(),
  created_at: z.number(),
  updated_at: z.number(),
  sequence: z.number(),
});
export type OrderView = z.infer<typeof OrderView>;

/** The answer to an applied amend: the order as it is now, and whether it kept its time priority. */
export const AmendOrderAnswer = OrderView.extend({ kept_priority: z.boolean() });
export type AmendOrderAnswer = z.infer<typeof AmendOrderAnswer>;

export const ErrorBody = z.object({ error: z.string(), message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** [price, quantity] */
export const Level = z.tuple([z.number(), z.number()]);
export type Level = z.infer<typeof Level>;

export const OrderBookSnapshot = z.object({
  symbol: z.string(),
  bids: z.array(Level),
  asks: z.array(Level),
  timestamp: z.number(),
  sequence: z.number(),
});
export type OrderBookSnapshot = z.infer<typeof OrderBookSnapshot>;
export const OrderBookResponse = z.object({ orderbook: OrderBookSnapshot });
export type OrderBookResponse = z.infer<typeof OrderBookResponse>;

export const INTERVALS = ['1m', '5m', '15m', '30m', '1h', '4h', '1d'] as const;
export const Interval = z.enum(INTERVALS);
export type Interval = z.infer<typeof Interval>;
export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/** close_time is the last millisecond of the candle: open_time + interval - 1. */
export const Candle = z.object({
  open_time: z.number(),
  close_time: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  trade_count: z.number(),
});
export type Candle = z.infer<typeof Candle>;
export const KlinesResponse = z.object({ symbol: z.string(), interval: Interval, candles: z.array(Candle) });
export type KlinesResponse = z.infer<typeof KlinesResponse>;

export const Trade = z.object({
  exec_id: z.string(),
  symbol: z.string(),
  price: z.number(),
  quantity: z.number(),
  /** The taker's side. */
  side: Side,
  timestamp: z.number(),
  sequence: z.number(),
});
export type Trade = z.infer<typeof Trade>;
export const TradesResponse = z.object({ symbol: z.string(), trades: z.array(Trade) });
export type TradesResponse = z.infer<typeof TradesResponse>;

export const MarketInfo = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  tick_size: z.string(),
  lot_size: z.string(),
  min_quantity: z.string(),
  max_quantity: z.string(),
  max_price: z.string(),
  maker_fee_rate: z.string(),
  taker_fee_rate: z.string(),
  fee_decimals: z.number(),
  price_decimals: z.number(),
  quantity_decimals: z.number(),
});
export type MarketInfo = z.infer<typeof MarketInfo>;
export const SymbolsResponse = z.object({ symbols: z.array(MarketInfo) });
export type SymbolsResponse = z.infer<typeof SymbolsResponse>;
