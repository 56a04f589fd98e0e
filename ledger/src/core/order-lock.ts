import {
  feeToQuoteUnits,
  feeUnits,
  lotsToBaseUnits,
  notionalQuoteUnits,
  parseAssetAmount,
  type AssetSpec,
  type LockCommand,
  type MarketUnits,
  type ErrorCode,
} from '@xtrader/protocol';

/** What an order locks: an amount of one asset, in that asset's units. */
export interface OrderLock {
  readonly asset: AssetSpec;
  readonly amount: bigint;
  /**
   * Set for a Market Buy by quantity: `amount` is its worst case, and it locks what is available
   * if that is less; the engine then stops it before it spends more than it locked (its place
   * command carries the lock as `spend_limit`).
   */
  readonly upToAvailable?: true;
}

/** A lock the order cannot have (bad shape, not funded is decided by the ledger). */
export interface LockRefusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * The most an order may spend, which is what it locks until it ends:
 *
 * - Sell (Limit or Market): its quantity, in base.
 * - Limit Buy: price x quantity plus the fee, in quote. Each fill's fee is rounded up on its own,
 *   so the fee locked is the fee of one lot at the limit price (rounded up) times the lots: no
 *   split of the order into fills can cost more (a rounded-up fee is subadditive). The rate is the
 *   taker rate, or the maker rate should a market charge makers more. A fill at a better price
 *   or at the maker rate leaves a surplus in the hold, released when the order ends.
 * - Market Buy by `quote_quantity`: that budget, fee included (the engine stops filling when the
 *   next fill would overspend it).
 * - Market Buy by quantity: what a Limit Buy at the market's `max_price` would lock (no resting
 *   order can be priced higher, so that is its worst case), or what is available if that is less
 *   (`upToAvailable`): the order carries the lock as its `spend_limit` and the engine never lets
 *   it spend more, fee included. The surplus returns when the order ends (immediately: a market
 *   order never rests).
 */
export function orderLock(m: MarketUnits, cmd: LockCommand): OrderLock | LockRefusal {
  const spec = m.market;
  const isBuy = cmd.side === 'Buy';
  if (cmd.type === 'Limit') {
    if (cmd.price_ticks === null) return { code: 'PRICE_REQUIRED', message: 'a Limit order needs a price' };
    if (cmd.price_ticks > spec.maxPriceTicks) return { code: 'INVALID_PRICE', message: `price is above the maximum ${spec.config.max_price}` };
    if (cmd.quote_quantity !== null) return { code: 'INVALID_REQUEST', message: 'quote_quantity is for Market Buy orders only' };
  } else {
    if (cmd.price_ticks !== null) return { code: 'INVALID_PRICE', message: 'a Market order has no price' };
    if (cmd.quote_quantity !== null && !isBuy) return { code: 'INVALID_REQUEST', message: 'quote_quantity is for Market Buy orders only' };
  }
  if (cmd.type === 'Market' && isBuy && cmd.quote_quantity !== null) {
    if (cmd.qty_lots !== null) return { code: 'INVALID_REQUEST', message: 'a Market Buy carries quantity or quote_quantity, not both' };
    try {
      return { asset: m.quote, amount: parseAssetAmount(m.quote, cmd.quote_quantity, 'quote_quantity') };
    } catch (e) {
      return { code: 'INVALID_AMOUNT', message: (e as Error).message };
    }
  }
  const lots = cmd.qty_lots;
  if (lots === null) return { code: 'INVALID_QUANTITY', message: 'quantity is required' };
  if (lots < spec.minLots || lots > spec.maxLots) {
    return { code: 'INVALID_QUANTITY', message: `quantity is outside [${spec.config.min_quantity}, ${spec.config.max_quantity}]` };
  }
  if (!isBuy) return { asset: m.base, amount: lotsToBaseUnits(m, lots) };
  if (cmd.type === 'Market') return { asset: m.quote, amount: buyLock(m, spec.maxPriceTicks, lots), upToAvailable: true };
  return { asset: m.quote, amount: buyLock(m, cmd.price_ticks!, lots) };
}

/** price x lots plus the fee bound of {@link orderLock}, in quote units. */
export function buyLock(m: MarketUnits, priceTicks: number, lots: number): bigint {
  const spec = m.market;
  const rate = spec.makerRate.mantissa * 10n ** BigInt(spec.takerRate.scale) > spec.takerRate.mantissa * 10n ** BigInt(spec.makerRate.scale) ? spec.makerRate : spec.takerRate;
  const feePerLot = feeToQuoteUnits(m, feeUnits(spec, priceTicks, 1, rate));
  return notionalQuoteUnits(m, priceTicks, lots) + feePerLot * BigInt(lots);
}

export function isRefusal(x: OrderLock | LockRefusal): x is LockRefusal {
  return (x as LockRefusal).code !== undefined;
}
