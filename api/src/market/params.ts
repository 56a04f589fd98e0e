import { INTERVALS, XtError, type ErrorCode, type Interval, type MarketSpec } from '@xtrader/protocol';
import { clip } from '../errors';

/** Bounds of the market-data query parameters (docs/protocol.md). */
export const LIMITS = {
  depth: { default: 10, max: 50 },
  klines: { default: 100, max: 1000 },
  trades: { default: 50, max: 1000 },
} as const;

/** The market named in the path (exact, or in another letter case); SYMBOL_NOT_FOUND otherwise. */
export function parseSymbol(raw: unknown, markets: ReadonlyMap<string, MarketSpec>): MarketSpec {
  const name = typeof raw === 'string' ? raw : '';
  const spec = markets.get(name) ?? markets.get(name.toUpperCase());
  if (!spec) throw new XtError('SYMBOL_NOT_FOUND', `unknown symbol ${clip(name)}; known: ${[...markets.keys()].join(', ')}`);
  return spec;
}

export function parseInterval(raw: unknown): Interval {
  if (typeof raw === 'string' && (INTERVALS as readonly string[]).includes(raw)) return raw as Interval;
  throw new XtError('INVALID_INTERVAL', `interval must be one of ${INTERVALS.join(', ')}`);
}

/** A whole number in [1, max] from the query string, or the default when absent. */
export function parseCount(raw: unknown, bounds: { default: number; max: number }, code: ErrorCode, name: string): number {
  if (raw === undefined) return bounds.default;
  const n = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= bounds.max)) throw new XtError(code, `${name} must be a whole number from 1 to ${bounds.max}`);
  return n;
}

/** An optional time bound in ms since epoch. */
export function parseTime(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw)) return Number(raw);
  throw new XtError('INVALID_REQUEST', `${name} must be a time in milliseconds since the epoch`);
}
