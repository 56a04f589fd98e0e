import { z } from 'zod';
import { CHANNELS, candleTopic, channelTopic } from './keys';
import { MyTrade } from './account';
import { Candle, Interval, Level, OrderView, Side } from './rest';

/**
 * Realtime messages, protocol version 1 (docs/protocol.md). The same objects travel as plain JSON frames
 * on `/ws` and as socket.io events named after `type`.
 *
 * Fields the reference examples (protocol/test/fixtures) leave out (sequence, timestamps, codes) are optional on parse so
 * those examples parse verbatim; the exchange always sends them.
 */
export const REALTIME_PROTOCOL_VERSION = 1;

export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;
export const DEFAULT_CANDLE_INTERVAL = '5m';

/**
 * An account's own channels: subscribed without symbols (an optional `symbols` filters orders and
 * fills), on an authenticated connection only.
 */
export const PRIVATE_CHANNELS = ['orders', 'fills', 'balances'] as const;
export const PrivateChannel = z.enum(PRIVATE_CHANNELS);
export type PrivateChannel = z.infer<typeof PrivateChannel>;

/**
 * Every per-symbol message carries `sequence`: the engine event sequence (per symbol, increasing,
 * not contiguous) of the last event it reflects, comparable with REST snapshots, and
 * `prev_sequence`: the `sequence` of the previous message on the same topic (0 for the first).
 * A client that sees `prev_sequence` differ from the last `sequence` it got on that topic has
 * missed a message and resyncs from REST.
 */
const Sequenced = { sequence: z.number().optional(), prev_sequence: z.number().optional() };

export const Execution = z.object({
  type: z.literal('Execution'),
  exec_id: z.string(),
  order_id: z.string(),
  maker_order_id: z.string().optional(),
  symbol: z.string(),
  side: Side,
  price: z.number(),
  quantity: z.number(),
  /** The taker's fee, in the quote currency. */
  fee: z.number(),
  maker_fee: z.number().optional(),
  timestamp: z.number().optional(),
  transaction_time: z.string().optional(),
  ...Sequenced,
});
export type Execution = z.infer<typeof Execution>;

export const OrderBookUpdate = z.object({
  type: z.literal('OrderBookUpdate'),
  symbol: z.string(),
  bids: z.array(Level),
  asks: z.array(Level),
  timestamp: z.number(),
  ...Sequenced,
});
export type OrderBookUpdate = z.infer<typeof OrderBookUpdate>;

export const MarketStatistics = z.object({
  type: z.literal('MarketStatistics'),
  symbol: z.string(),
  timestamp: z.number(),
  /** null until the first trade. */
  last_price: z.number().nullable(),
  /** Percent change against the last price at or before now - 24h. */
  price_change_24h: z.number(),
  volume_24h: z.number(),
  /** Clients know high and low under both names; the exchange always sends all four. */
  high_24h: z.number().nullable().optional(),
  low_24h: z.number().nullable().optional(),
  high_price_24h: z.number().nullable().optional(),
  low_price_24h: z.number().nullable().optional(),
  ...Sequenced,
});
export type MarketStatistics = z.infer<typeof MarketStatistics>;

/** The reference example sends a candle with only `timestamp`; ours always has the full shape. */
export const WireCandle = Candle.partial().extend({ timestamp: z.number().optional() });
export const CandlestickUpdate = z.object({
  type: z.literal('CandlestickUpdate'),
  symbol: z.string(),
  interval: Interval,
  candle: WireCandle,
  is_closed: z.boolean().optional(),
  ...Sequenced,
});
export type CandlestickUpdate = z.infer<typeof CandlestickUpdate>;

export const Connected = z.object({ type: z.literal('Connected'), client_id: z.string(), server_time: z.number() });
export type Connected = z.infer<typeof Connected>;

export const SubscribeSuccess = z.object({
  type: z.literal('SubscribeSuccess'),
  channels: z.array(z.string()).optional(),
  symbols: z.array(z.string()).optional(),
  intervals: z.array(z.string()).optional(),
});
export type SubscribeSuccess = z.infer<typeof SubscribeSuccess>;
export const UnsubscribeSuccess = SubscribeSuccess.extend({ type: z.literal('UnsubscribeSuccess') });
export type UnsubscribeSuccess = z.infer<typeof UnsubscribeSuccess>;

export const Ping = z.object({ type: z.literal('Ping'), timestamp: z.number().optional() });
export type Ping = z.infer<typeof Ping>;
export const Pong = z.object({ type: z.literal('Pong'), timestamp: z.number().optional() });
export type Pong = z.infer<typeof Pong>;

export const ErrorMessage = z.object({ type: z.literal('Error'), code: z.string().optional(), message: z.string() });
export type ErrorMessage = z.infer<typeof ErrorMessage>;

/** Subscribe: channels and symbols may be `"all"` (as a string or inside the array). */
const Names = z.union([z.literal('all'), z.array(z.string()).min(1)]);
export const Subscribe = z.object({
  type: z.literal('Subscribe'),
  channels: Names,
  symbols: Names.optional(),
  intervals: z.union([z.literal('all'), z.array(z.string())]).optional(),
});
export type Subscribe = z.infer<typeof Subscribe>;
export const Unsubscribe = Subscribe.extend({ type: z.literal('Unsubscribe') });
export type Unsubscribe = z.infer<typeof Unsubscribe>;

/**
 * Authenticates a connection: a session token, or an API key with a signature over
 * timestamp + "GET" + "/ws" + '' (the same HMAC and receive window as a signed REST request).
 * socket.io connections may instead authenticate at the handshake (session cookie or `auth: {token}`).
 */
export const Auth = z.union([
  z.object({ type: z.literal('Auth'), token: z.string().min(1).max(256) }).strict(),
  z
    .object({
      type: z.literal('Auth'),
      api_key: z.string().min(1).max(128),
      timestamp: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,16}$/)]),
      signature: z.string().min(1).max(128),
      recv_window: z.number().int().positive().optional(),
    })
    .strict(),
]);
export type Auth = z.infer<typeof Auth>;
/** What an API-key Auth signs: method and request target of the connection. */
export const WS_AUTH_METHOD = 'GET';
export const WS_AUTH_TARGET = '/ws';

export const AuthSuccess = z.object({ type: z.literal('AuthSuccess'), account_id: z.string() });
export type AuthSuccess = z.infer<typeof AuthSuccess>;

/**
 * Every private message carries `account_sequence`: one counter per account across its private
 * channels, growing by one per message, so a client that sees a gap resyncs from REST.
 */
const AccountSequenced = { account_sequence: z.number().int().positive() };

/** An order as REST shows it, without its fills and their totals (the fills arrive on `fills`). */
export const OrderUpdateView = OrderView.omit({ fills: true, fills_total: true, cumulative_quote_quantity: true });
export type OrderUpdateView = z.infer<typeof OrderUpdateView>;

/** `orders`: every change of one of the account's orders. */
export const OrderUpdate = z.object({ type: z.literal('OrderUpdate'), order: OrderUpdateView, ...AccountSequenced });
export type OrderUpdate = z.infer<typeof OrderUpdate>;

/** `fills`: one of the account's trades, seen from its order (as GET /api/v1/my-trades lists it). */
export const FillUpdate = MyTrade.extend({ type: z.literal('Fill'), ...AccountSequenced });
export type FillUpdate = z.infer<typeof FillUpdate>;

/** `balances`: an asset's balance after a change. */
export const BalanceUpdate = z.object({
  type: z.literal('BalanceUpdate'),
  asset: z.string(),
  available: z.number(),
  locked: z.number(),
  ...AccountSequenced,
});
export type BalanceUpdate = z.infer<typeof BalanceUpdate>;

export const PrivateMessage = z.discriminatedUnion('type', [OrderUpdate, FillUpdate, BalanceUpdate]);
export type PrivateMessage = z.infer<typeof PrivateMessage>;
/** A private message before its producer numbered it. */
export type UnsequencedPrivateMessage = PrivateMessage extends infer M ? (M extends unknown ? Omit<M, 'account_sequence'> : never) : never;

/** The private channel a message travels on. */
export function privateChannelOf(type: PrivateMessage['type']): PrivateChannel {
  switch (type) {
    case 'OrderUpdate':
      return 'orders';
    case 'Fill':
      return 'fills';
    case 'BalanceUpdate':
      return 'balances';
    default: {
      const never: never = type;
      throw new Error(`unknown private message ${String(never)}`);
    }
  }
}

export const ClientMessage = z.union([z.discriminatedUnion('type', [Subscribe, Unsubscribe, Pong, Ping]), Auth]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Per-symbol market messages: what the engine writes to a symbol's feed. */
export const MarketMessage = z.discriminatedUnion('type', [Execution, OrderBookUpdate, MarketStatistics, CandlestickUpdate]);
export type MarketMessage = z.infer<typeof MarketMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  Execution,
  OrderBookUpdate,
  MarketStatistics,
  CandlestickUpdate,
  Connected,
  SubscribeSuccess,
  UnsubscribeSuccess,
  Ping,
  ErrorMessage,
  AuthSuccess,
  OrderUpdate,
  FillUpdate,
  BalanceUpdate,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** The topic a market message belongs to (names: keys.ts). */
export function topicOf(msg: MarketMessage): string {
  switch (msg.type) {
    case 'Execution':
      return channelTopic('executions', msg.symbol);
    case 'OrderBookUpdate':
      return channelTopic('orderbook', msg.symbol);
    case 'MarketStatistics':
      return channelTopic('statistics', msg.symbol);
    case 'CandlestickUpdate':
      return candleTopic(msg.symbol, msg.interval);
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${(never as { type: string }).type}`);
    }
  }
}

/** The statistics of a market that has not traded yet: null prices, zero volume and change. */
export function emptyStatistics(symbol: string, timestamp: number): MarketStatistics {
  return {
    type: 'MarketStatistics',
    symbol,
    timestamp,
    last_price: null,
    price_change_24h: 0,
    volume_24h: 0,
    high_24h: null,
    low_24h: null,
    high_price_24h: null,
    low_price_24h: null,
    sequence: 0,
  };
}
