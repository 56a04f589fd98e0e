import { z } from 'zod';
import { parseDecimal, parseStep, toSteps, type Decimal, formatDecimal } from './decimal';
import { XtError } from './errors';
import { AssetConfig, marketUnits, toAssetMap, type AssetSpec, type MarketUnits } from './assets';

const DecimalString = z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string such as "0.0001"');

/** What a symbol may be (without anchors, for patterns that embed one: order ids). */
export const SYMBOL_PATTERN = '[A-Z0-9]{1,12}(?:-[A-Z0-9]{1,12})?';

/** One market as written in `config/symbols.json`. */
export const SymbolConfig = z
  .object({
    symbol: z.string().regex(new RegExp(`^${SYMBOL_PATTERN}$`), 'upper-case letters/digits, e.g. BTC-KRW'),
    base: z.string().min(1),
    quote: z.string().min(1),
    tick_size: DecimalString,
    lot_size: DecimalString,
    min_quantity: DecimalString,
    max_quantity: DecimalString,
    max_price: DecimalString,
    maker_fee_rate: DecimalString,
    taker_fee_rate: DecimalString,
    fee_decimals: z.number().int().min(0).max(12),
  })
  .strict();
export type SymbolConfig = z.infer<typeof SymbolConfig>;

/** `config/symbols.json`: the assets (with their precision) and the markets between them. */
export const SymbolsFile = z
  .object({ $comment: z.string().optional(), assets: z.array(AssetConfig).min(1), symbols: z.array(SymbolConfig).min(1) })
  .strict();
export type SymbolsFile = z.infer<typeof SymbolsFile>;

/** Everything `config/symbols.json` says, validated: the markets, the assets and each market's units. */
export interface ExchangeConfig {
  readonly file: SymbolsFile;
  readonly assets: ReadonlyMap<string, AssetSpec>;
  readonly markets: readonly MarketSpec[];
  /** Each market's sizes in asset units, by symbol. */
  readonly units: ReadonlyMap<string, MarketUnits>;
}

/** A market with its sizes parsed into exact steps: what the api and the engine work with. */
export interface MarketSpec {
  readonly config: SymbolConfig;
  readonly symbol: string;
  readonly tick: Decimal;
  readonly lot: Decimal;
  readonly minLots: number;
  readonly maxLots: number;
  readonly maxPriceTicks: number;
  readonly makerRate: Decimal;
  readonly takerRate: Decimal;
  /** The smallest fee amount: 10^-fee_decimals of the quote currency. */
  readonly feeUnit: Decimal;
}

/** Fee rates may be zero, unlike step sizes; the schema has already checked the format. */
function rate(text: string): Decimal {
  return parseDecimal(text)!;
}

export function toMarketSpec(config: SymbolConfig): MarketSpec {
  const tick = parseStep(config.tick_size);
  const lot = parseStep(config.lot_size);
  const steps = (value: string, step: Decimal, what: string) => {
    try {
      return toSteps(value, step, 'INVALID_REQUEST', what);
    } catch (e) {
      throw new Error(`${config.symbol}: ${(e as Error).message}`);
    }
  };
  const minLots = steps(config.min_quantity, lot, 'min_quantity');
  const maxLots = steps(config.max_quantity, lot, 'max_quantity');
  const maxPriceTicks = steps(config.max_price, tick, 'max_price');
  if (minLots > maxLots) throw new Error(`${config.symbol}: min_quantity is above max_quantity`);
  const spec: MarketSpec = {
    config,
    symbol: config.symbol,
    tick,
    lot,
    minLots,
    maxLots,
    maxPriceTicks,
    makerRate: rate(config.maker_fee_rate),
    takerRate: rate(config.taker_fee_rate),
    feeUnit: { mantissa: 1n, scale: config.fee_decimals },
  };
  // Notional and fee amounts travel as safe integers of fee units; refuse a config where the
  // largest possible order would not fit, instead of overflowing at trade time.
  const worst = notionalFeeUnits(spec, maxPriceTicks, maxLots);
  if (worst > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${config.symbol}: max_price x max_quantity is too large for fee_decimals ${config.fee_decimals}`);
  }
  return spec;
}

/**
 * Validates the whole config: the schema, each market's steps and bounds, and that every
 * market's lot, notional step and fee unit are whole units of its listed assets.
 */
export function parseExchangeConfig(json: unknown): ExchangeConfig {
  const parsed = SymbolsFile.safeParse(json);
  if (!parsed.success) throw new Error(`invalid symbols config:\n${z.prettifyError(parsed.error)}`);
  const assets = toAssetMap(parsed.data.assets);
  const specs = parsed.data.symbols.map(toMarketSpec);
  const units = new Map<string, MarketUnits>();
  for (const s of specs) {
    if (units.has(s.symbol)) throw new Error(`symbol ${s.symbol} is listed twice`);
    units.set(s.symbol, marketUnits(s, assets));
  }
  return { file: parsed.data, assets, markets: specs, units };
}

/** The markets of a validated config (see {@link parseExchangeConfig}). */
export function parseSymbolsFile(json: unknown): MarketSpec[] {
  return [...parseExchangeConfig(json).markets];
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** price x quantity in fee units (10^-fee_decimals quote), rounded up. */
export function notionalFeeUnits(spec: MarketSpec, priceTicks: number, qtyLots: number): bigint {
  const num = BigInt(priceTicks) * spec.tick.mantissa * BigInt(qtyLots) * spec.lot.mantissa * 10n ** BigInt(spec.config.fee_decimals);
  const den = 10n ** BigInt(spec.tick.scale + spec.lot.scale);
  return ceilDiv(num, den);
}

/**
 * The fee for one fill, in fee units: `price x quantity x rate`, computed exactly and rounded UP
 * to the fee unit (the exchange never undercharges; the difference is below one fee unit).
 */
export function feeUnits(spec: MarketSpec, priceTicks: number, qtyLots: number, feeRate: Decimal): number {
  if (feeRate.mantissa === 0n) return 0;
  const num =
    BigInt(priceTicks) * spec.tick.mantissa * BigInt(qtyLots) * spec.lot.mantissa * feeRate.mantissa * 10n ** BigInt(spec.config.fee_decimals);
  const den = 10n ** BigInt(spec.tick.scale + spec.lot.scale + feeRate.scale);
  const fee = ceilDiv(num, den);
  if (fee > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('fee overflow: config bounds were not respected');
  return Number(fee);
}

/** Validates a wire price into ticks for this market (INVALID_PRICE on any problem). */
export function priceToTicks(spec: MarketSpec, value: unknown): number {
  const ticks = toSteps(value, spec.tick, 'INVALID_PRICE', 'price');
  if (ticks > spec.maxPriceTicks) throw new XtError('INVALID_PRICE', `price is above the maximum ${spec.config.max_price}`);
  return ticks;
}

/** Validates a wire quantity into lots for this market (INVALID_QUANTITY on any problem). */
export function quantityToLots(spec: MarketSpec, value: unknown): number {
  const lots = toSteps(value, spec.lot, 'INVALID_QUANTITY', 'quantity');
  if (lots < spec.minLots) throw new XtError('INVALID_QUANTITY', `quantity is below the minimum ${spec.config.min_quantity}`);
  if (lots > spec.maxLots) throw new XtError('INVALID_QUANTITY', `quantity is above the maximum ${spec.config.max_quantity}`);
  return lots;
}

/** The public description of a market (GET /api/v1/symbols). */
export function describeMarket(spec: MarketSpec) {
  const c = spec.config;
  return {
    symbol: c.symbol,
    base: c.base,
    quote: c.quote,
    tick_size: c.tick_size,
    lot_size: c.lot_size,
    min_quantity: c.min_quantity,
    max_quantity: c.max_quantity,
    max_price: c.max_price,
    maker_fee_rate: c.maker_fee_rate,
    taker_fee_rate: c.taker_fee_rate,
    fee_decimals: c.fee_decimals,
    price_decimals: spec.tick.scale,
    quantity_decimals: spec.lot.scale,
  };
}
export { formatDecimal };
