import { DEFAULT_SELF_TRADE_PREVENTION, notionalStep, toSteps, type SelfTradePrevention, type Candle, type Fill, type MarketSpec, type MarketStatistics, type MyTrade, type OrderBookSnapshot, type OrderView, type Trade } from '@xtrader/protocol';
import { decimalsOf, fixed, type MarketDecimals } from './markets';

/**
 * Our answers in Binance's shapes: symbols without the dash, decimals as strings with the
 * market's places, integer ids. Pure functions of what the shared read functions return.
 */

export type BinanceStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type BinanceType = 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';

/**
 * Binance's status of an order: a remainder ended by the order's own terms (IOC, market, FOK that
 * cannot fill) is EXPIRED, a cancel asked for is CANCELED, an order not yet seen by the engine NEW.
 */
export function statusOf(o: OrderView): BinanceStatus {
  switch (o.status) {
    case 'ACCEPTED':
    case 'NEW':
      return 'NEW';
    case 'PARTIALLY_FILLED':
    case 'FILLED':
      return o.status;
    case 'CANCELLED':
      // A quote order that spent its budget got all it asked for (Binance's quoteOrderQty orders end FILLED).
      if (o.cancel_reason === 'budget_spent' && o.filled_quantity > 0) return 'FILLED';
      return o.cancel_reason === undefined || o.cancel_reason === 'user' ? 'CANCELED' : 'EXPIRED';
    case 'REJECTED':
      return o.reject_reason === 'FOK_CANNOT_FILL' ? 'EXPIRED' : 'REJECTED';
  }
}

export function typeOf(o: Pick<OrderView, 'type' | 'time_in_force'>): BinanceType {
  if (o.type === 'Market') return 'MARKET';
  return o.time_in_force === 'POST_ONLY' ? 'LIMIT_MAKER' : 'LIMIT';
}

/** The integer trade id of an execution id (`<symbol>-<n>`). */
export function tradeIdOf(execId: string): number {
  return Number(execId.slice(execId.lastIndexOf('-') + 1));
}

/** price x quantity summed over fills, exactly, as a string with the quote's places. */
export function quoteTotal(spec: MarketSpec, fills: readonly Pick<Fill, 'price' | 'quantity'>[]): string {
  let units = 0n;
  for (const f of fills) units += BigInt(toSteps(f.price, spec.tick, 'INVALID_PRICE', 'price')) * BigInt(toSteps(f.quantity, spec.lot, 'INVALID_QUANTITY', 'quantity'));
  return notionalText(spec, units);
}

/** A notional (`units` of tick x lot) as a string with the quote's places, exactly. */
function notionalText(spec: MarketSpec, units: bigint): string {
  const step = notionalStep(spec);
  return decimalText(units * step.mantissa, step.scale, spec.config.fee_decimals);
}

/**
 * An order's `cumulative_quote_quantity` (every fill's price x quantity, also of fills beyond the
 * ones it lists) as a string with the quote's places, exactly.
 */
function cumulativeQuoteText(spec: MarketSpec, o: OrderView): string {
  // toSteps checks client input, which is never zero; an order with no fills has none.
  if (o.cumulative_quote_quantity === 0) return notionalText(spec, 0n);
  return notionalText(spec, BigInt(toSteps(o.cumulative_quote_quantity, notionalStep(spec), 'INVALID_PRICE', 'cumulative quote quantity')));
}

/** mantissa / 10^scale with exactly `places` decimals, or all of its own when it has more. */
function decimalText(mantissa: bigint, scale: number, places: number): string {
  let digits = mantissa.toString().padStart(scale + 1, '0');
  let s = scale;
  while (s > places && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    s--;
  }
  if (s < places) {
    digits += '0'.repeat(places - s);
    s = places;
  }
  return s === 0 ? digits : `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`;
}

export interface OrderShape {
  symbol: string;
  orderId: number;
  orderListId: -1;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: BinanceStatus;
  timeInForce: string;
  type: BinanceType;
  side: 'BUY' | 'SELL';
  stopPrice: string;
  icebergQty: string;
  time: number;
  updateTime: number;
  isWorking: boolean;
  workingTime: number;
  origQuoteOrderQty: string;
  selfTradePreventionMode: SelfTradePrevention;
}

/** An order as GET /api/v3/order answers it. */
export function orderShape(spec: MarketSpec, name: string, n: number, o: OrderView): OrderShape {
  const d = decimalsOf(spec);
  const status = statusOf(o);
  return {
    symbol: name,
    orderId: n,
    orderListId: -1,
    // Orders placed without one show their order id, which names them as well.
    clientOrderId: o.client_order_id ?? o.order_id,
    price: fixed(o.price ?? 0, d.price),
    origQty: fixed(o.quantity, d.quantity),
    executedQty: fixed(o.filled_quantity, d.quantity),
    cummulativeQuoteQty: cumulativeQuoteText(spec, o),
    status,
    timeInForce: o.time_in_force === 'POST_ONLY' ? 'GTC' : o.time_in_force,
    type: typeOf(o),
    side: o.side === 'Buy' ? 'BUY' : 'SELL',
    stopPrice: fixed(0, d.price),
    icebergQty: fixed(0, d.quantity),
    time: o.created_at,
    updateTime: o.updated_at,
    isWorking: status === 'NEW' || status === 'PARTIALLY_FILLED',
    workingTime: o.created_at,
    origQuoteOrderQty: fixed(o.quote_quantity ?? 0, d.quote),
    selfTradePreventionMode: o.self_trade_prevention ?? DEFAULT_SELF_TRADE_PREVENTION,
  };
}

/** The order's fills as POST /api/v3/order with newOrderRespType=FULL lists them. */
export function fillShapes(spec: MarketSpec, o: OrderView) {
  const d = decimalsOf(spec);
  return o.fills.map((f) => ({
    price: fixed(f.price, d.price),
    qty: fixed(f.quantity, d.quantity),
    commission: fixed(f.fee, d.quote),
    commissionAsset: spec.config.quote,
    tradeId: tradeIdOf(f.exec_id),
  }));
}

/** POST /api/v3/order's answer in each of Binance's response types. */
export function newOrderShape(spec: MarketSpec, name: string, n: number, o: OrderView, respType: 'ACK' | 'RESULT' | 'FULL') {
  const full = orderShape(spec, name, n, o);
  const ack = { symbol: name, orderId: n, orderListId: -1 as const, clientOrderId: full.clientOrderId, transactTime: o.created_at };
  if (respType === 'ACK') return ack;
  const result = {
    ...ack,
    price: full.price,
    origQty: full.origQty,
    executedQty: full.executedQty,
    cummulativeQuoteQty: full.cummulativeQuoteQty,
    status: full.status,
    timeInForce: full.timeInForce,
    type: full.type,
    side: full.side,
    workingTime: full.workingTime,
    selfTradePreventionMode: full.selfTradePreventionMode,
  };
  return respType === 'RESULT' ? result : { ...result, fills: fillShapes(spec, o) };
}

/** DELETE /api/v3/order's answer. */
export function cancelShape(spec: MarketSpec, name: string, n: number, o: OrderView, origClientOrderId: string) {
  const full = orderShape(spec, name, n, o);
  return {
    symbol: name,
    origClientOrderId,
    orderId: n,
    orderListId: -1,
    clientOrderId: full.clientOrderId,
    transactTime: o.updated_at,
    price: full.price,
    origQty: full.origQty,
    executedQty: full.executedQty,
    cummulativeQuoteQty: full.cummulativeQuoteQty,
    status: full.status,
    timeInForce: full.timeInForce,
    type: full.type,
    side: full.side,
    selfTradePreventionMode: full.selfTradePreventionMode,
  };
}

export function depthShape(spec: MarketSpec, book: OrderBookSnapshot) {
  const d = decimalsOf(spec);
  const level = ([p, q]: [number, number]) => [fixed(p, d.price), fixed(q, d.quantity)];
  return { lastUpdateId: book.sequence, bids: book.bids.map(level), asks: book.asks.map(level) };
}

/** One public trade; `isBuyerMaker` is true when the taker sold. */
export function tradeShape(spec: MarketSpec, t: Trade) {
  const d = decimalsOf(spec);
  return {
    id: tradeIdOf(t.exec_id),
    price: fixed(t.price, d.price),
    qty: fixed(t.quantity, d.quantity),
    quoteQty: quoteTotal(spec, [t]),
    time: t.timestamp,
    isBuyerMaker: t.side === 'Sell',
    isBestMatch: true,
  };
}

/** One trade as an aggregate trade (each of ours is its own aggregate). */
export function aggTradeShape(spec: MarketSpec, t: Trade) {
  const d = decimalsOf(spec);
  const id = tradeIdOf(t.exec_id);
  return { a: id, p: fixed(t.price, d.price), q: fixed(t.quantity, d.quantity), f: id, l: id, T: t.timestamp, m: t.side === 'Sell', M: true };
}

/** A kline row: [open time, open, high, low, close, volume, close time, quote volume, trades, taker buy base, taker buy quote, ignore]. */
export function klineShape(d: MarketDecimals, c: Candle): (number | string)[] {
  // Quote volume and taker volumes are not kept per candle; they are reported as zero (docs/binance-compat.md).
  return [c.open_time, fixed(c.open, d.price), fixed(c.high, d.price), fixed(c.low, d.price), fixed(c.close, d.price), fixed(c.volume, d.quantity), c.close_time, fixed(0, d.quote), c.trade_count, fixed(0, d.quantity), fixed(0, d.quote), '0'];
}

export interface BookTop {
  bid?: [number, number];
  ask?: [number, number];
}

export function bookTickerShape(spec: MarketSpec, name: string, top: BookTop) {
  const d = decimalsOf(spec);
  return {
    symbol: name,
    bidPrice: fixed(top.bid?.[0] ?? 0, d.price),
    bidQty: fixed(top.bid?.[1] ?? 0, d.quantity),
    askPrice: fixed(top.ask?.[0] ?? 0, d.price),
    askQty: fixed(top.ask?.[1] ?? 0, d.quantity),
  };
}

export function priceTickerShape(spec: MarketSpec, name: string, stats: MarketStatistics) {
  return { symbol: name, price: fixed(stats.last_price ?? 0, decimalsOf(spec).price) };
}

/**
 * GET /api/v3/ticker/24hr over our rolling 24 h statistics. The open price is derived from the
 * last price and the percent change; figures we do not keep (weighted average, quote volume,
 * first/last trade ids) are zero or -1 as Binance writes them for an idle market.
 */
export function ticker24hShape(spec: MarketSpec, name: string, stats: MarketStatistics, top: BookTop, now: number) {
  const d = decimalsOf(spec);
  const last = stats.last_price ?? 0;
  const pct = stats.price_change_24h ?? 0;
  const open = stats.last_price === null ? 0 : last / (1 + pct / 100);
  const openTicks = Math.round(open / Number(spec.config.tick_size));
  const openPrice = stats.last_price === null ? 0 : Number((openTicks * Number(spec.config.tick_size)).toFixed(d.price));
  return {
    symbol: name,
    priceChange: fixed(Number((last - openPrice).toFixed(d.price)), d.price),
    priceChangePercent: pct.toFixed(3),
    weightedAvgPrice: fixed(0, d.price),
    prevClosePrice: fixed(openPrice, d.price),
    lastPrice: fixed(last, d.price),
    lastQty: fixed(0, d.quantity),
    bidPrice: fixed(top.bid?.[0] ?? 0, d.price),
    bidQty: fixed(top.bid?.[1] ?? 0, d.quantity),
    askPrice: fixed(top.ask?.[0] ?? 0, d.price),
    askQty: fixed(top.ask?.[1] ?? 0, d.quantity),
    openPrice: fixed(openPrice, d.price),
    highPrice: fixed(stats.high_24h ?? stats.high_price_24h ?? 0, d.price),
    lowPrice: fixed(stats.low_24h ?? stats.low_price_24h ?? 0, d.price),
    volume: fixed(stats.volume_24h, d.quantity),
    quoteVolume: fixed(0, d.quote),
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}

/** One of the account's trades as GET /api/v3/myTrades lists it. */
export function myTradeShape(spec: MarketSpec, name: string, orderNumber: number, t: MyTrade) {
  const d = decimalsOf(spec);
  return {
    symbol: name,
    id: tradeIdOf(t.exec_id),
    orderId: orderNumber,
    orderListId: -1,
    price: fixed(t.price, d.price),
    qty: fixed(t.quantity, d.quantity),
    quoteQty: quoteTotal(spec, [t]),
    commission: fixed(t.fee, d.quote),
    commissionAsset: t.fee_asset,
    time: t.timestamp,
    isBuyer: t.side === 'Buy',
    isMaker: t.liquidity === 'maker',
    isBestMatch: true,
  };
}

/** GET /api/v3/exchangeInfo's entry of one market; the filters come from config/symbols.json. */
export function symbolInfoShape(spec: MarketSpec, name: string) {
  const c = spec.config;
  const d = decimalsOf(spec);
  const minNotional = quoteTotal(spec, [{ price: Number(c.tick_size), quantity: Number(c.min_quantity) }]);
  return {
    symbol: name,
    status: 'TRADING',
    baseAsset: c.base,
    baseAssetPrecision: d.quantity,
    quoteAsset: c.quote,
    quotePrecision: d.quote,
    quoteAssetPrecision: d.quote,
    baseCommissionPrecision: d.quantity,
    quoteCommissionPrecision: d.quote,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: false,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: false,
    allowTrailingStop: false,
    cancelReplaceAllowed: false,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fixed(Number(c.tick_size), d.price), maxPrice: fixed(Number(c.max_price), d.price), tickSize: fixed(Number(c.tick_size), d.price) },
      { filterType: 'LOT_SIZE', minQty: fixed(Number(c.min_quantity), d.quantity), maxQty: fixed(Number(c.max_quantity), d.quantity), stepSize: fixed(Number(c.lot_size), d.quantity) },
      { filterType: 'MIN_NOTIONAL', minNotional, applyToMarket: false, avgPriceMins: 0 },
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'NONE',
    allowedSelfTradePreventionModes: ['NONE'],
  };
}
