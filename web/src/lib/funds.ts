import { feeUnits, formatSteps, notionalFeeUnits, parseDecimal, type Balance, type Decimal, type OrderType, type Side } from '@xtrader/protocol';
import type { Market } from './market';

/** What an order would take from the account, in whole units of 10^-scale of `asset`. */
export interface Spend {
  asset: string;
  units: bigint;
  scale: number;
}

/**
 * A balance number from the api (JSON, formatted from exact units) as whole units of 10^-scale,
 * rounded down: its shortest decimal text is the exact value the exchange wrote.
 */
export function balanceUnits(value: number, scale: number): bigint {
  const d = parseDecimal(String(value)) ?? parseDecimal(value.toFixed(20));
  if (!d || value <= 0) return 0n;
  return d.scale <= scale ? d.mantissa * 10n ** BigInt(scale - d.scale) : d.mantissa / 10n ** BigInt(d.scale - scale);
}

/** The higher of the maker and taker rates: what the exchange locks the fee at. */
function lockRate(m: Market): Decimal {
  const { makerRate, takerRate } = m.spec;
  return makerRate.mantissa * 10n ** BigInt(takerRate.scale) > takerRate.mantissa * 10n ** BigInt(makerRate.scale) ? makerRate : takerRate;
}

/**
 * What the exchange locks for an order before it reaches the book, as the ledger computes it
 * (docs/ledger.md, "Lock"): a Sell its quantity in base; a Buy price x quantity plus the fee of
 * one lot (rounded up) per lot, in quote, at its limit price, a Market Buy at the market's
 * highest price (returned when it ends). In fee units, which round the notional up: never less
 * than the ledger asks.
 */
export function orderSpend(m: Market, side: Side, type: OrderType, priceTicks: number | undefined, lots: number): Spend {
  if (side === 'Sell') return { asset: m.info.base, units: BigInt(lots) * m.spec.lot.mantissa, scale: m.spec.lot.scale };
  const ticks = type === 'Market' ? m.spec.maxPriceTicks : priceTicks!;
  const scale = m.spec.config.fee_decimals;
  return { asset: m.info.quote, units: notionalFeeUnits(m.spec, ticks, lots) + BigInt(feeUnits(m.spec, ticks, 1, lockRate(m))) * BigInt(lots), scale };
}

/** The account's available balance of `asset` (0 when it has none). */
export function availableOf(balances: readonly Balance[] | undefined, asset: string): number {
  return balances?.find((b) => b.asset === asset)?.available ?? 0;
}

/** Whether the available balance covers `spend`. */
export function canFund(balances: readonly Balance[] | undefined, spend: Spend): boolean {
  return balanceUnits(availableOf(balances, spend.asset), spend.scale) >= spend.units;
}

/**
 * The largest quantity (as the text the quantity field takes) the account can fund on this side,
 * within the market's bounds; undefined when not even the minimum.
 */
export function maxQuantity(m: Market, balances: readonly Balance[] | undefined, side: Side, type: OrderType, priceTicks: number | undefined): string | undefined {
  if (side === 'Buy' && type === 'Limit' && priceTicks === undefined) return undefined;
  const fits = (lots: number) => canFund(balances, orderSpend(m, side, type, priceTicks, lots));
  if (!fits(m.spec.minLots)) return undefined;
  // Binary search: the spend grows with the lots.
  let lo = m.spec.minLots;
  let hi = m.spec.maxLots;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return formatSteps(lo, m.spec.lot);
}
