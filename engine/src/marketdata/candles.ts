import { INTERVAL_MS, type Interval } from '@xtrader/protocol';

/** How many candles of each interval are kept (in memory the open one; in Redis the last 1,000). */
export const MAX_CANDLES = 1000;

/** A candle in integer steps: prices in ticks, volume in lots (base quantity). */
export interface CandleSteps {
  /** open_time, ms since epoch, a multiple of the interval (UTC aligned). */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  /** trade count */
  n: number;
}

/** What one interval's series remembers between commands (JSON-serialisable). */
export interface CandleSeriesState {
  /** The candle of the interval containing "now"; null before the first trade ever. */
  open: CandleSteps | null;
  /** The open candle changed (opened or traded) since it was last published. */
  openChanged: boolean;
}

/**
 * One interval's candles. Time only moves through {@link advance}: when it crosses the open
 * candle's end, that candle closes, every interval skipped without trades gets a flat candle at
 * the previous close (so charts have no holes), and a new flat candle opens for the interval that
 * contains the new time. The first trade of a candle sets its open, high, low and close to the
 * trade price (a flat carried-over candle has not traded yet, so its open is not a trade).
 */
export class CandleSeries {
  readonly ms: number;
  state: CandleSeriesState;

  constructor(
    readonly interval: Interval,
    state?: CandleSeriesState,
  ) {
    this.ms = INTERVAL_MS[interval];
    this.state = state ? { open: state.open ? { ...state.open } : null, openChanged: state.openChanged } : { open: null, openChanged: false };
  }

  /**
   * Moves to time `ts`. Returns the candles that closed, oldest first: the open one and the idle
   * ones after it (only the last {@link MAX_CANDLES} of a long idle gap: older ones would be
   * trimmed from storage anyway).
   */
  advance(ts: number): CandleSteps[] {
    const open = this.state.open;
    if (!open || ts < open.t + this.ms) return [];
    const newOpenTime = ts - (ts % this.ms);
    const idle = (newOpenTime - open.t) / this.ms - 1;
    const price = open.c;
    // Storage keeps MAX_CANDLES including the new open one: older closes would be trimmed at once.
    const keep = MAX_CANDLES - 1;
    const closed: CandleSteps[] = idle < keep ? [open] : [];
    for (let k = Math.max(1, idle - keep + 1); k <= idle; k++) closed.push(flat(open.t + k * this.ms, price));
    this.state.open = flat(newOpenTime, price);
    this.state.openChanged = true;
    return closed;
  }

  /** Adds a trade at time `ts` (the caller has advanced to it). */
  trade(ts: number, price: number, lots: number): void {
    let c = this.state.open;
    if (!c || c.n === 0) {
      c = { t: c ? c.t : ts - (ts % this.ms), o: price, h: price, l: price, c: price, v: 0, n: 0 };
      this.state.open = c;
    }
    if (price > c.h) c.h = price;
    if (price < c.l) c.l = price;
    c.c = price;
    c.v += lots;
    c.n += 1;
    this.state.openChanged = true;
  }
}

function flat(t: number, price: number): CandleSteps {
  return { t, o: price, h: price, l: price, c: price, v: 0, n: 0 };
}
