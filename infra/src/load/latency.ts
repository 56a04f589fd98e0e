import * as hdr from 'hdr-histogram-js';

/** Latency percentiles in milliseconds, recorded in microseconds with 3 significant digits. */
export class LatencyRecorder {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMs(p: number): number {
    return this.count === 0 ? 0 : round3(this.histogram.getValueAtPercentile(p) / 1000);
  }

  maxMs(): number {
    return this.count === 0 ? 0 : round3(this.histogram.maxValue / 1000);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
