/** Width of one bucket of the rolling 24h window. */
export const BUCKET_MS = 60_000;
/** Buckets in the window: the current minute and the 1,439 before it. */
export const WINDOW_BUCKETS = 1440;

/** One minute of trades, in integer steps: `[minute, open, high, low, close, volume lots, trades]`. */
export type Bucket = [m: number, o: number, h: number, l: number, c: number, v: number, n: number];

export interface RollingStatsState {
  /** Non-empty buckets inside the window, oldest first. */
  buckets: Bucket[];
  /** Close of the newest bucket that has left the window: the last price at or before the window start. */
  refPrice: number | null;
  /** Last trade price ever (survives an empty window). */
  lastPrice: number | null;
}

/** The statistics in integer steps. */
export interface StatsView {
  last: number | null;
  /** Percent change x 100 (so 2.5% is 250n), rounded half away from zero. */
  changeHundredths: bigint;
  volume: number;
  high: number | null;
  low: number | null;
}

/**
 * 24h statistics over a rolling window of one-minute buckets. The window is the current minute
 * plus the 1,439 whole minutes before it, so it covers between 23h59m and 24h of trades: a trade
 * leaves it within a minute of turning 24h old. Memory is bounded by 1,440 buckets whatever the
 * trade rate. The change is measured against the last price at or before the window's start (or,
 * for a market younger than the window, against its first trade in the window).
 */
export class RollingStats {
  state: RollingStatsState;
  private volume = 0;
  private high: number | null = null;
  private low: number | null = null;

  constructor(state?: RollingStatsState) {
    this.state = state
      ? { buckets: state.buckets.map((b) => [...b] as Bucket), refPrice: state.refPrice, lastPrice: state.lastPrice }
      : { buckets: [], refPrice: null, lastPrice: null };
    this.recompute();
  }

  /** Drops buckets that left the window at time `ts`. Returns whether anything changed. */
  advance(ts: number): boolean {
    const oldestKept = Math.floor(ts / BUCKET_MS) - WINDOW_BUCKETS + 1;
    const buckets = this.state.buckets;
    let drop = 0;
    while (drop < buckets.length && buckets[drop][0] < oldestKept) drop++;
    if (drop === 0) return false;
    this.state.refPrice = buckets[drop - 1][4];
    buckets.splice(0, drop);
    this.recompute();
    return true;
  }

  /** Adds a trade at `ts` (the caller has advanced to it). */
  trade(ts: number, price: number, lots: number): void {
    const m = Math.floor(ts / BUCKET_MS);
    const buckets = this.state.buckets;
    const last = buckets[buckets.length - 1];
    if (last && last[0] === m) {
      if (price > last[2]) last[2] = price;
      if (price < last[3]) last[3] = price;
      last[4] = price;
      last[5] += lots;
      last[6] += 1;
    } else {
      buckets.push([m, price, price, price, price, lots, 1]);
    }
    this.state.lastPrice = price;
    this.volume += lots;
    if (this.high === null || price > this.high) this.high = price;
    if (this.low === null || price < this.low) this.low = price;
  }

  view(): StatsView {
    const { lastPrice, refPrice, buckets } = this.state;
    const ref = refPrice ?? (buckets.length > 0 ? buckets[0][1] : null);
    return {
      last: lastPrice,
      changeHundredths: lastPrice === null || ref === null ? 0n : percentHundredths(lastPrice, ref),
      volume: this.volume,
      high: this.high,
      low: this.low,
    };
  }

  private recompute(): void {
    this.volume = 0;
    this.high = null;
    this.low = null;
    for (const b of this.state.buckets) {
      this.volume += b[5];
      if (this.high === null || b[2] > this.high) this.high = b[2];
      if (this.low === null || b[3] < this.low) this.low = b[3];
    }
  }
}

/** (last - ref) / ref in hundredths of a percent, exact integer maths, rounded half away from zero. */
function percentHundredths(last: number, ref: number): bigint {
  const num = (BigInt(last) - BigInt(ref)) * 10_000n;
  const den = BigInt(ref);
  const abs = num < 0n ? -num : num;
  const rounded = (2n * abs + den) / (2n * den);
  return num < 0n ? -rounded : rounded;
}
