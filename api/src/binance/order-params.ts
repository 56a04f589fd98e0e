import { SELF_TRADE_PREVENTION_MODES, type MarketSpec, type TimeInForce } from '@xtrader/protocol';
import { BinanceError } from './errors';
import type { BinanceMarkets } from './markets';
import type { BinanceParams } from './params';

export type RespType = 'ACK' | 'RESULT' | 'FULL';

/** A POST /api/v3/order in our own words: the `/api/v1` body it stands for, and how to answer. */
export interface TranslatedOrder {
  spec: MarketSpec;
  /** The body `/api/v1`'s place takes (decimals passed on as sent, validated there exactly). */
  body: Record<string, string>;
  respType: RespType;
}

const SIDES = ['BUY', 'SELL'] as const;
const TYPES = ['LIMIT', 'MARKET', 'LIMIT_MAKER'] as const;
const TIFS = ['GTC', 'IOC', 'FOK'] as const;
/** Binance's order types that the exchange does not have. */
const UNSERVED_TYPES = new Set(['STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']);

function notAllowed(name: string): BinanceError {
  return new BinanceError('PARAM_NOT_REQUIRED', `Parameter '${name}' sent when not required.`);
}

/**
 * Reads Binance's new-order parameters into our place body: LIMIT (timeInForce GTC/IOC/FOK),
 * LIMIT_MAKER (our POST_ONLY), MARKET with `quantity`, MARKET BUY with `quoteOrderQty` (our
 * `quote_quantity`), `selfTradePreventionMode` (Binance's modes are ours). Refuses what Binance refuses (missing or
 * extra parameters) with Binance's codes; sizes and prices are checked by the shared validation.
 */
export function translateNewOrder(p: BinanceParams, markets: BinanceMarkets): TranslatedOrder {
  const spec = markets.spec(p.required('symbol'));
  const sideText = p.required('side');
  if (!(SIDES as readonly string[]).includes(sideText)) throw new BinanceError('INVALID_SIDE', 'Invalid side; BUY or SELL.');
  const typeText = p.required('type');
  if (UNSERVED_TYPES.has(typeText)) throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', `Unsupported order combination: ${typeText} orders are not served; LIMIT, LIMIT_MAKER and MARKET are.`);
  if (!(TYPES as readonly string[]).includes(typeText)) throw new BinanceError('INVALID_ORDER_TYPE', 'Invalid orderType; LIMIT, LIMIT_MAKER or MARKET.');
  const type = typeText as (typeof TYPES)[number];
  const tifText = p.optional('timeInForce');
  const price = p.decimal('price');
  const quantity = p.decimal('quantity');
  const quoteOrderQty = p.decimal('quoteOrderQty');
  const clientOrderId = p.optional('newClientOrderId');
  const respType = p.oneOf('newOrderRespType', ['ACK', 'RESULT', 'FULL'] as const) ?? 'FULL';
  const stp = p.optional('selfTradePreventionMode');
  if (stp !== undefined && !(SELF_TRADE_PREVENTION_MODES as readonly string[]).includes(stp)) {
    throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', `Unsupported order combination: selfTradePreventionMode is one of ${SELF_TRADE_PREVENTION_MODES.join(', ')}.`);
  }
  for (const unserved of ['icebergQty', 'stopPrice', 'trailingDelta', 'strategyId', 'strategyType']) {
    if (p.optional(unserved) !== undefined) throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', `Unsupported order combination: '${unserved}' is not served.`);
  }
  const body: Record<string, string> = { symbol: spec.symbol, side: sideText === 'BUY' ? 'Buy' : 'Sell', type: type === 'MARKET' ? 'Market' : 'Limit' };
  if (clientOrderId !== undefined) body.client_order_id = clientOrderId;
  if (stp !== undefined) body.self_trade_prevention = stp;
  if (type === 'MARKET') {
    if (price !== undefined) throw notAllowed('price');
    if (tifText !== undefined) throw notAllowed('timeInForce');
    if (quantity !== undefined && quoteOrderQty !== undefined) throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', "Unsupported order combination: send 'quantity' or 'quoteOrderQty', not both.");
    if (quoteOrderQty !== undefined) {
      // A sell until so much quote is received is not an order the exchange has.
      if (body.side !== 'Buy') throw new BinanceError('UNSUPPORTED_ORDER_COMBINATION', "Unsupported order combination: 'quoteOrderQty' is served for MARKET BUY orders only.");
      body.quote_quantity = quoteOrderQty;
      body.time_in_force = 'IOC';
      return { spec, body, respType };
    }
    if (quantity === undefined) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    body.quantity = quantity;
    body.time_in_force = 'IOC';
    return { spec, body, respType };
  }
  if (quoteOrderQty !== undefined) throw notAllowed('quoteOrderQty');
  if (price === undefined) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
  if (quantity === undefined) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
  body.price = price;
  body.quantity = quantity;
  let tif: TimeInForce;
  if (type === 'LIMIT_MAKER') {
    if (tifText !== undefined) throw notAllowed('timeInForce');
    tif = 'POST_ONLY';
  } else {
    if (tifText === undefined) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
    if (!(TIFS as readonly string[]).includes(tifText)) throw new BinanceError('INVALID_TIF', 'Invalid timeInForce; GTC, IOC or FOK.');
    tif = tifText as TimeInForce;
  }
  body.time_in_force = tif;
  return { spec, body, respType };
}
