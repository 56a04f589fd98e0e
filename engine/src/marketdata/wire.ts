import { formatSteps, stepsToNumber, type Decimal, type MarketSpec } from '@xtrader/protocol';

/**
 * Integer steps -> JSON numbers for the wire. Prices are bounded by the market's max_price, so
 * they always convert exactly; accumulated amounts (volumes) could in theory exceed the 15
 * significant digits a double carries exactly. The engine must never crash on output, so those
 * fall back to the nearest double instead of throwing (documented in docs/protocol/market-data.md).
 */
export function toWireNumber(count: number | bigint, step: Decimal): number {
  try {
    return stepsToNumber(count, step);
  } catch {
    return Number(formatSteps(count, step));
  }
}

/** Converters bound to one market. */
export interface WireUnits {
  price(ticks: number): number;
  quantity(lots: number): number;
  fee(units: number): number;
}

export function wireUnits(spec: MarketSpec): WireUnits {
  return {
    price: (ticks) => toWireNumber(ticks, spec.tick),
    quantity: (lots) => toWireNumber(lots, spec.lot),
    fee: (units) => toWireNumber(units, spec.feeUnit),
  };
}
