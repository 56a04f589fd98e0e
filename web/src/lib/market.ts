import {
  formatDecimal,
  notionalFeeUnits,
  priceToTicks,
  quantityToLots,
  toMarketSpec,
  toSteps,
  XtError,
  type MarketInfo,
  type MarketSpec,
} from '@xtrader/protocol';

/**
 * One market as the page sees it: the exchange's exact rules (`spec`, the same code the api
 * validates with) plus display precision taken from the tick and lot sizes.
 */
export interface Market {
  readonly info: MarketInfo;
  readonly spec: MarketSpec;
  readonly symbol: string;
  readonly priceDecimals: number;
  readonly quantityDecimals: number;
}

export function toMarket(info: MarketInfo): Market {
  const { price_decimals: _p, quantity_decimals: _q, ...config } = info;
  return {
    info,
    spec: toMarketSpec(config),
    symbol: info.symbol,
    priceDecimals: info.price_decimals,
    quantityDecimals: info.quantity_decimals,
  };
}

/** Adds thousands separators to a plain decimal string ("-1234567.5" -> "-1,234,567.5"). */
export function groupThousands(text: string): string {
  const [int, frac] = text.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac !== undefined ? `${grouped}.${frac}` : grouped;
}

/**
 * A wire number shown with exactly `decimals` places and thousands separators. Wire values are
 * multiples of the tick or lot with at most 15 significant digits, so `toFixed` at the step's
 * precision lands on the exact decimal (0.30000000000000004 -> "0.3000").
 */
export function formatFixed(value: number | null | undefined, decimals: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return groupThousands(value.toFixed(decimals));
}

export function formatPrice(m: Market, value: number | null | undefined): string {
  return formatFixed(value, m.priceDecimals);
}

export function formatQuantity(m: Market, value: number | null | undefined): string {
  return formatFixed(value, m.quantityDecimals);
}

/** A percent with sign, two places: "+1.25%", "-0.40%", "0.00%". */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = Math.abs(value).toFixed(2);
  if (text === '0.00') return '0.00%';
  return `${value > 0 ? '+' : '-'}${text}%`;
}

/** Exact price x quantity in the quote currency, rounded up to the fee unit, with separators. */
export function formatNotional(m: Market, priceTicks: number, lots: number): string {
  const units = notionalFeeUnits(m.spec, priceTicks, lots);
  return groupThousands(formatDecimal({ mantissa: units, scale: m.spec.config.fee_decimals }));
}

/** Result of checking one form field against the market's rules. */
export type FieldCheck = { ok: true; steps: number } | { ok: false; message: string };

/** Checks a typed price with the exchange's own rule (tick multiple, above zero, below max). */
export function checkPrice(m: Market, text: string): FieldCheck {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'Enter a price' };
  return check(() => priceToTicks(m.spec, t));
}

/** Checks a typed quantity with the exchange's own rule (lot multiple, min, max). */
export function checkQuantity(m: Market, text: string): FieldCheck {
  const t = text.trim();
  if (t === '') return { ok: false, message: 'Enter a quantity' };
  return check(() => quantityToLots(m.spec, t));
}

function check(fn: () => number): FieldCheck {
  try {
    return { ok: true, steps: fn() };
  } catch (e) {
    if (e instanceof XtError) return { ok: false, message: e.message };
    throw e;
  }
}

/** The wire price of a book level as the decimal text the price field takes ("50000000", "187.25"). */
export function priceInputText(m: Market, value: number): string {
  const fixed = value.toFixed(m.priceDecimals);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * What a market order of `lots` would cost or bring against the shown book levels (best first),
 * in fee units, exact; `filledLots` below `lots` means the book is too thin for all of it.
 */
export function estimateAgainstBook(m: Market, levels: ReadonlyArray<readonly [number, number]>, lots: number): { units: bigint; filledLots: number } {
  let remaining = lots;
  let units = 0n;
  for (const [price, quantity] of levels) {
    if (remaining <= 0) break;
    const check = checkPrice(m, price.toFixed(m.priceDecimals));
    const levelLots = toSteps(quantity.toFixed(m.quantityDecimals), m.spec.lot, 'INVALID_QUANTITY', 'quantity');
    if (!check.ok) continue;
    const take = Math.min(remaining, levelLots);
    units += notionalFeeUnits(m.spec, check.steps, take);
    remaining -= take;
  }
  return { units, filledLots: lots - remaining };
}

/** Fee units (10^-fee_decimals of the quote) as a grouped decimal string. */
export function formatFeeUnits(m: Market, units: bigint): string {
  return groupThousands(formatDecimal({ mantissa: units, scale: m.spec.config.fee_decimals }));
}
