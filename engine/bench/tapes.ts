import type { TimedCommand } from '@xtrader/protocol';
import { seededRandom } from '@xtrader/platform';

/**
 * Seeded command tapes for the engine benchmark: the same seed gives the same tape on every
 * machine, so runs compare. No clock commands (they cost nothing in the core).
 */
export interface TapeProfile {
  name: string;
  seed: number;
  commands: number;
  /** Upper bound on tracked live GTC orders: above it the next command is a cancel. */
  maxLive: number;
  /** Share of the tape at the start that mostly adds passive orders, to build the book. */
  buildShare: number;
  /** Command mix after the build phase (shares, summing to 1). */
  mix: { passive: number; crossing: number; cancel: number; market: number };
  /** Share of passive orders that join a few "round number" levels (this makes levels deep). */
  hotShare: number;
  /** Distances from the mid, in ticks, of those hot levels (on both sides). */
  hotOffsets: number[];
  /** Mean distance from the mid, in ticks, of the other passive orders. */
  meanOffset: number;
}

export const SHALLOW: TapeProfile = {
  name: 'shallow',
  seed: 0x5eed_0001,
  commands: 1_000_000,
  maxLive: 5_000,
  buildShare: 0.005,
  mix: { passive: 0.4, crossing: 0.15, cancel: 0.35, market: 0.1 },
  hotShare: 0.2,
  hotOffsets: [3, 8],
  meanOffset: 10,
};

export const DEEP: TapeProfile = {
  name: 'deep',
  seed: 0x5eed_0002,
  commands: 1_000_000,
  maxLive: 600_000,
  buildShare: 0.4,
  mix: { passive: 0.49, crossing: 0.13, cancel: 0.29, market: 0.09 },
  hotShare: 0.5,
  hotOffsets: [3, 8, 15],
  meanOffset: 30,
};

const MID = 1_000_000;

const SIDES = ['Buy', 'Sell'] as const;
const TYPES = ['Limit', 'Market'] as const;
const TIFS = ['GTC', 'IOC', 'FOK', 'POST_ONLY'] as const;
const PLACE = 0;
const CANCEL = 1;
const AMEND = 2;

/**
 * A tape stored column-wise (typed arrays plus the id strings). A command object is made only
 * when it is fed to an engine, as the runner does when it decodes a stream entry: a million
 * long-lived command objects would otherwise sit in the old generation and make every major GC of
 * the measured run mark them.
 */
export class Tape {
  readonly kind: Uint8Array;
  readonly side: Uint8Array;
  readonly type: Uint8Array;
  readonly tif: Uint8Array;
  /** 0 for market orders. */
  readonly price: Float64Array;
  readonly qty: Float64Array;
  readonly ts: Float64Array;
  readonly ids: string[];
  /** Amends only: the new price (0: unchanged) and the new total quantity (0: unchanged). */
  readonly amendPrice: Float64Array;
  readonly amendQty: Float64Array;

  constructor(readonly length: number) {
    this.kind = new Uint8Array(length);
    this.side = new Uint8Array(length);
    this.type = new Uint8Array(length);
    this.tif = new Uint8Array(length);
    this.price = new Float64Array(length);
    this.qty = new Float64Array(length);
    this.ts = new Float64Array(length);
    this.ids = new Array<string>(length);
    this.amendPrice = new Float64Array(length);
    this.amendQty = new Float64Array(length);
  }

  /** Command `i` as the core receives it. */
  command(i: number): TimedCommand {
    if (this.kind[i] === AMEND) {
      const cmd: TimedCommand = { v: 1, kind: 'amend', order_id: this.ids[i], request_id: 'bench', ts: this.ts[i] };
      if (this.amendQty[i] !== 0) cmd.qty_lots = this.amendQty[i];
      if (this.amendPrice[i] !== 0) cmd.price_ticks = this.amendPrice[i];
      return cmd;
    }
    if (this.kind[i] === CANCEL) return { v: 1, kind: 'cancel', order_id: this.ids[i], request_id: 'bench', ts: this.ts[i] };
    const market = this.type[i] === 1;
    return {
      v: 1,
      kind: 'place',
      order_id: this.ids[i],
      side: SIDES[this.side[i]],
      type: TYPES[this.type[i]],
      tif: TIFS[this.tif[i]],
      price_ticks: market ? null : this.price[i],
      qty_lots: this.qty[i],
      ts: this.ts[i],
    };
  }

  isCancel(i: number): boolean {
    return this.kind[i] === CANCEL;
  }

  isAmend(i: number): boolean {
    return this.kind[i] === AMEND;
  }
}

/**
 * Generates a tape: passive limits around a fixed mid (many on a few hot levels), crossing limits
 * (GTC/IOC/FOK) a few ticks through the mid, market orders (IOC/FOK), and cancels of a random
 * order among those placed GTC and not yet cancelled (some of which have filled meanwhile, which
 * is realistic and gives ORDER_NOT_FOUND).
 */
export function generateTape(p: TapeProfile): Tape {
  const random = seededRandom(p.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tape = new Tape(p.commands);
  const live: string[] = [];
  const buildEnd = Math.floor(p.commands * p.buildShare);
  const { passive, crossing, cancel } = p.mix;
  let ts = 1_700_000_000_000;
  let nextId = 0;

  for (let i = 0; i < p.commands; i++) {
    if ((i & 7) === 0) ts++;
    tape.ts[i] = ts;
    let r = random();
    if (i < buildEnd) r = r < 0.95 ? 0 : random(); // build phase: almost only passive
    const isCancel = r >= passive + crossing && r < passive + crossing + cancel;
    const side = random() < 0.5 ? 0 : 1;

    if (live.length >= p.maxLive || (isCancel && live.length > 0)) {
      const k = int(0, live.length - 1);
      tape.kind[i] = CANCEL;
      tape.ids[i] = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      continue;
    }
    const orderId = (nextId++).toString(36);
    tape.kind[i] = PLACE;
    tape.ids[i] = orderId;
    tape.side[i] = side;
    if (r < passive || isCancel) {
      const offset = random() < p.hotShare ? p.hotOffsets[int(0, p.hotOffsets.length - 1)] : 1 + Math.floor(-Math.log(1 - random()) * p.meanOffset);
      tape.price[i] = side === 0 ? MID - offset : MID + offset;
      tape.qty[i] = int(1, 10);
      live.push(orderId);
    } else if (r < passive + crossing) {
      const t = random();
      const tif = t < 0.7 ? 0 : t < 0.9 ? 1 : 2;
      const through = int(1, 3);
      tape.tif[i] = tif;
      tape.price[i] = side === 0 ? MID + through : MID - through;
      tape.qty[i] = int(1, 30);
      if (tif === 0) live.push(orderId);
    } else {
      tape.type[i] = 1;
      tape.tif[i] = random() < 0.9 ? 1 : 2;
      tape.qty[i] = int(1, 30);
    }
  }
  return tape;
}

/**
 * A tape whose price swings: limit orders (a share of them IOC) around a mid that moves in waves
 * of `waveMin`..`waveMax` of its value up and down, cancels and amends of random orders placed
 * GTC. The book keeps stale orders behind the moving price on many sparse levels, and each wave's
 * turn sweeps them, so best levels empty again and again.
 */
export interface SwingProfile {
  name: string;
  seed: number;
  commands: number;
  /** Shares of the tape (the rest is limit orders). */
  cancelShare: number;
  amendShare: number;
  /** Share of limit orders that are IOC (they cross the mid); the rest are GTC. */
  iocShare: number;
  /** Share of GTC limits that cross the mid (the rest rest passively around it). */
  crossingShare: number;
  /** A wave moves the mid by this share of its value, drawn uniformly... */
  waveMin: number;
  waveMax: number;
  /** ... over this many commands, drawn uniformly. */
  waveCommands: [number, number];
  /** The mid at the start, in ticks, and the mean distance from the mid of a passive order. */
  startMid: number;
  meanOffset: number;
  /** Upper bound on tracked GTC orders: above it the next command is a cancel. */
  maxLive: number;
}

export const SWING: SwingProfile = {
  name: 'swing',
  seed: 0x5eed_0003,
  commands: 2_000_000,
  cancelShare: 0.41,
  amendShare: 0.085,
  iocShare: 0.15,
  crossingShare: 0.15,
  waveMin: 0.25,
  waveMax: 0.4,
  waveCommands: [100_000, 250_000],
  startMid: 100_000,
  meanOffset: 10,
  maxLive: 200_000,
};

/**
 * Generates a swing tape. Cancels and amends pick a random order among those placed GTC and not
 * cancelled; amends: 40% less quantity at the same price, 25% more, 35% a new passive price near the
 * current mid. The generator does not know which orders have filled meanwhile, so some cancels and
 * amends find no order (and some reductions are at or below what has filled), as in real traffic;
 * cancelling only orders known to rest would, in these proportions, keep the book a few orders
 * deep.
 */
export function generateSwingTape(p: SwingProfile): Tape {
  const random = seededRandom(p.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tape = new Tape(p.commands);
  const live: string[] = [];
  const liveQty: number[] = [];
  const liveSide: number[] = [];
  let ts = 1_700_000_000_000;
  let nextId = 0;
  let mid = p.startMid;
  let up = true;
  let waveLeft = 0;
  let step = 0;
  const passivePrice = (side: number) => {
    const offset = 1 + Math.floor(-Math.log(1 - random()) * p.meanOffset);
    return Math.max(1, Math.round(side === 0 ? mid - offset : mid + offset));
  };

  for (let i = 0; i < p.commands; i++) {
    if ((i & 7) === 0) ts++;
    tape.ts[i] = ts;
    if (waveLeft === 0) {
      const length = int(p.waveCommands[0], p.waveCommands[1]);
      const move = mid * (p.waveMin + random() * (p.waveMax - p.waveMin));
      step = (up ? move : -move) / length;
      up = !up;
      waveLeft = length;
    }
    mid += step;
    waveLeft--;

    const r = random();
    if (live.length > 0 && (live.length >= p.maxLive || r < p.cancelShare)) {
      const k = int(0, live.length - 1);
      tape.kind[i] = CANCEL;
      tape.ids[i] = live[k];
      const last = live.length - 1;
      live[k] = live[last];
      liveQty[k] = liveQty[last];
      liveSide[k] = liveSide[last];
      live.pop();
      liveQty.pop();
      liveSide.pop();
      continue;
    }
    if (live.length > 0 && r < p.cancelShare + p.amendShare) {
      const k = int(0, live.length - 1);
      tape.kind[i] = AMEND;
      tape.ids[i] = live[k];
      const a = random();
      if (a < 0.4 && liveQty[k] > 1) {
        liveQty[k] = int(1, liveQty[k] - 1);
        tape.amendQty[i] = liveQty[k];
      } else if (a < 0.65) {
        liveQty[k] += int(1, 10);
        tape.amendQty[i] = liveQty[k];
      } else {
        tape.amendPrice[i] = passivePrice(liveSide[k]);
      }
      continue;
    }
    const orderId = (nextId++).toString(36);
    const side = random() < 0.5 ? 0 : 1;
    tape.kind[i] = PLACE;
    tape.ids[i] = orderId;
    tape.side[i] = side;
    const ioc = random() < p.iocShare;
    if (ioc || random() < p.crossingShare) {
      const through = int(1, 10);
      tape.tif[i] = ioc ? 1 : 0;
      tape.price[i] = Math.max(1, Math.round(side === 0 ? mid + through : mid - through));
      tape.qty[i] = int(1, 20);
    } else {
      tape.price[i] = passivePrice(side);
      tape.qty[i] = int(1, 10);
    }
    if (!ioc) {
      live.push(orderId);
      liveQty.push(tape.qty[i]);
      liveSide.push(side);
    }
  }
  return tape;
}
