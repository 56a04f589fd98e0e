import { z } from 'zod';
import { formatDecimal, parseDecimal, type Decimal } from './decimal';
import { XtError } from './errors';
import type { MarketSpec } from './symbols';

/**
 * Assets and their precision: every balance is a whole number of its asset's unit
 * (10^-decimals), held as a bigint inside and a decimal string at the edges.
 *
 * A market's amounts are converted into asset units here and nowhere else: a lot into base
 * units, price x quantity (ticks x lots) into quote units, an engine fee (fee units) into quote
 * units. The config is refused at boot unless each of those is a whole number of units, so no
 * lock, trade amount or fee is ever rounded on its way into a balance.
 */

/** Largest `decimals` an asset may have (a bigint of units has no upper bound; this keeps input sane). */
export const MAX_ASSET_DECIMALS = 18;

/** One asset as written in `config/symbols.json`. */
export const AssetConfig = z
  .object({
    asset: z.string().regex(/^[A-Z0-9]{1,12}$/, 'upper-case letters/digits, e.g. BTC'),
    decimals: z.number().int().min(0).max(MAX_ASSET_DECIMALS),
  })
  .strict();
export type AssetConfig = z.infer<typeof AssetConfig>;

/** An asset with its unit as an exact decimal (10^-decimals). */
export interface AssetSpec {
  readonly asset: string;
  readonly decimals: number;
  readonly unit: Decimal;
}

export function toAssetSpec(config: AssetConfig): AssetSpec {
  return { asset: config.asset, decimals: config.decimals, unit: { mantissa: 1n, scale: config.decimals } };
}

/** Assets by name, refusing a name listed twice. */
export function toAssetMap(configs: readonly AssetConfig[]): Map<string, AssetSpec> {
  const assets = new Map<string, AssetSpec>();
  for (const c of configs) {
    if (assets.has(c.asset)) throw new Error(`asset ${c.asset} is listed twice`);
    assets.set(c.asset, toAssetSpec(c));
  }
  return assets;
}

/**
 * `value` (a decimal) as a whole number of units of `unit`, or undefined when it is not one.
 * value / unit = (vm / 10^vs) / (um / 10^us) = vm * 10^us / (um * 10^vs).
 */
function wholeUnits(value: Decimal, unit: Decimal): bigint | undefined {
  const num = value.mantissa * 10n ** BigInt(unit.scale);
  const den = unit.mantissa * 10n ** BigInt(value.scale);
  return num % den === 0n ? num / den : undefined;
}

/**
 * A market's sizes in its assets' units: what the ledger locks and moves. Built by
 * {@link marketUnits}, which refuses a market whose amounts would not be whole units.
 */
export interface MarketUnits {
  readonly market: MarketSpec;
  readonly base: AssetSpec;
  readonly quote: AssetSpec;
  /** Base units in one lot. */
  readonly baseUnitsPerLot: bigint;
  /** Quote units in one tick x one lot (the notional of the smallest trade at the smallest price). */
  readonly quoteUnitsPerTickLot: bigint;
  /** Quote units in one fee unit (10^-fee_decimals of the quote). */
  readonly quoteUnitsPerFeeUnit: bigint;
}

/**
 * The market's conversions into asset units. Throws (naming the symbol) when its base or quote is
 * not a listed asset, when a lot is finer than the base asset's unit, or when the notional step
 * (tick x lot) or the fee unit is finer than the quote asset's unit.
 */
export function marketUnits(market: MarketSpec, assets: ReadonlyMap<string, AssetSpec>): MarketUnits {
  const { symbol, base: baseName, quote: quoteName } = market.config;
  const base = assets.get(baseName);
  if (!base) throw new Error(`${symbol}: base asset ${baseName} is not a listed asset`);
  const quote = assets.get(quoteName);
  if (!quote) throw new Error(`${symbol}: quote asset ${quoteName} is not a listed asset`);
  if (baseName === quoteName) throw new Error(`${symbol}: base and quote are the same asset ${baseName}`);
  const baseUnitsPerLot = wholeUnits(market.lot, base.unit);
  if (baseUnitsPerLot === undefined) {
    throw new Error(`${symbol}: lot_size ${market.config.lot_size} is finer than the ${baseName} unit ${formatDecimal(base.unit)}`);
  }
  const tickLot: Decimal = { mantissa: market.tick.mantissa * market.lot.mantissa, scale: market.tick.scale + market.lot.scale };
  const quoteUnitsPerTickLot = wholeUnits(tickLot, quote.unit);
  if (quoteUnitsPerTickLot === undefined) {
    throw new Error(
      `${symbol}: tick_size x lot_size = ${formatDecimal(tickLot)} is finer than the ${quoteName} unit ${formatDecimal(quote.unit)} (a trade's amount would not be a whole unit)`,
    );
  }
  const quoteUnitsPerFeeUnit = wholeUnits(market.feeUnit, quote.unit);
  if (quoteUnitsPerFeeUnit === undefined) {
    throw new Error(`${symbol}: fee_decimals ${market.config.fee_decimals} is finer than the ${quoteName} unit ${formatDecimal(quote.unit)}`);
  }
  return { market, base, quote, baseUnitsPerLot, quoteUnitsPerTickLot, quoteUnitsPerFeeUnit };
}

/** `lots` of the market's base asset, in base units (exact). */
export function lotsToBaseUnits(m: MarketUnits, lots: number | bigint): bigint {
  return BigInt(lots) * m.baseUnitsPerLot;
}

/** price x quantity (`priceTicks` x `lots`) in quote units (exact: the config made it whole). */
export function notionalQuoteUnits(m: MarketUnits, priceTicks: number | bigint, lots: number | bigint): bigint {
  return BigInt(priceTicks) * BigInt(lots) * m.quoteUnitsPerTickLot;
}

/** An engine fee (in fee units, as on a trade event) in quote units (exact). */
export function feeToQuoteUnits(m: MarketUnits, feeUnits: number | bigint): bigint {
  return BigInt(feeUnits) * m.quoteUnitsPerFeeUnit;
}

/**
 * Parses an amount of `asset` from the wire (decimal string or JSON number) into whole units.
 * Throws {@link XtError} `INVALID_AMOUNT` when it is malformed, not above zero, or finer than
 * the asset's unit; nothing is rounded.
 */
export function parseAssetAmount(asset: AssetSpec, value: unknown, what = 'amount'): bigint {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new XtError('INVALID_AMOUNT', `${what} must be a finite number`);
    text = String(value);
    if (/e/i.test(text)) throw new XtError('INVALID_AMOUNT', `${what} ${text} cannot be sent exactly as a JSON number; send it as a decimal string`);
  } else throw new XtError('INVALID_AMOUNT', `${what} must be a number or a decimal string`);
  if (text.startsWith('-')) throw new XtError('INVALID_AMOUNT', `${what} must be greater than zero`);
  const d = parseDecimal(text);
  if (!d) throw new XtError('INVALID_AMOUNT', `${what} "${text}" is not a plain decimal number`);
  if (d.mantissa === 0n) throw new XtError('INVALID_AMOUNT', `${what} must be greater than zero`);
  const units = wholeUnits(d, asset.unit);
  if (units === undefined) {
    throw new XtError('INVALID_AMOUNT', `${what} ${text} is finer than the ${asset.asset} unit ${formatDecimal(asset.unit)}`);
  }
  return units;
}

/** Whole units of `asset` as the shortest decimal string ("0.5", "12", "0"); negative allowed. */
export function formatAssetAmount(asset: AssetSpec, units: bigint): string {
  return formatDecimal({ mantissa: units, scale: asset.decimals });
}
