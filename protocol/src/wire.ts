import { formatSteps, stepsToNumber, type Decimal } from './decimal';
import type { MarketSpec } from './symbols';

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Integer steps -> JSON number for the wire, exact.
 *
 * Fast path (every realistic value): `count x mantissa` is a safe integer, so it is exact as a
 * double, and `10^scale` is exact; IEEE division is correctly rounded, so the quotient is the
 * double nearest to the decimal, which is exactly what parsing the decimal text gives
 * (`stepsToNumber`). This runs once per level and candle field on every batch, where the bigint
 * and string work of `stepsToNumber` cost more than the matching itself.
 *
 * Otherwise the exact path; and a value beyond 15 significant digits (only a huge accumulated
 * volume could be) falls back to the nearest double instead of throwing: the engine must never
 * crash on output (documented in docs/protocol.md, "Units, time and ordering").
 */
export function toWireNumber(count: number, step: Decimal, mantissa: number = Number(step.mantissa)): number {
  const scaled = count * mantissa;
  if (Number.isSafeInteger(scaled) && Number.isSafeInteger(mantissa) && step.scale < POW10.length) {
    return step.scale === 0 ? scaled : scaled / POW10[step.scale];
  }
  try {
    return stepsToNumber(count, step);
  } catch {
    return Number(formatSteps(count, step));
  }
}

/** The quote amount of one tick x one lot: the step of a notional (price x quantity). */
export function notionalStep(spec: MarketSpec): Decimal {
  return { mantissa: spec.tick.mantissa * spec.lot.mantissa, scale: spec.tick.scale + spec.lot.scale };
}

/** Converters bound to one market. */
export interface WireUnits {
  price(ticks: number): number;
  quantity(lots: number): number;
  fee(units: number): number;
}

export function wireUnits(spec: MarketSpec): WireUnits {
  const tick = Number(spec.tick.mantissa);
  const lot = Number(spec.lot.mantissa);
  return {
    price: (ticks) => toWireNumber(ticks, spec.tick, tick),
    quantity: (lots) => toWireNumber(lots, spec.lot, lot),
    fee: (units) => toWireNumber(units, spec.feeUnit, 1),
  };
}
