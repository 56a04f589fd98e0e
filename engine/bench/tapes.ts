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
 * A tape whose price swings (a seeded model of a volatile session): `newOrders` limit orders priced off a
 * driftless geometric random walk of the mid whose total diffusion is `targetSwing` (0.25-0.40: the
 * price moves by 25-40% over the tape), buys priced off the walk's first half and sells off its
 * second, in shuffled arrival order; each order sits 1..`maxOffset + 1` ticks away from its mid
 * (a power law with a hump a few ticks out). `iocShare` of them are IOC; every other order may
 * get one amend (its quantity up by one lot, usually also one tick nearer the mid) and is mostly
 * cancelled soon after, before the next order arrives, so nearly every order opens a price level
 * that empties again at once. What stays (the orders never cancelled) is a book spread over the
 * walk's range, and the orders placed inside the spread make the best level empty again and
 * again in front of those emptied levels: the workload that made the core walk empty levels.
 */
export interface SwingProfile {
  name: string;
  seed: number;
  /** New orders; cancels and amends come on top (about 2 messages per new order). */
  newOrders: number;
  /** Volatility of the mid's walk and the total swing it diffuses to over the tape. */
  volatility: number;
  targetSwing: number;
  /** The mid at the start, in ticks. */
  startMid: number;
  iocShare: number;
  /** Share of non-IOC orders cancelled, and of those cancelled, re-sent once more (ORDER_NOT_FOUND). */
  cancelShare: number;
  duplicateCancelShare: number;
  /** Share of non-IOC orders amended, and of those amended and cancelled, amended once more afterwards. */
  amendShare: number;
  duplicateAmendShare: number;
  /** Share of amends that also move the price one tick towards the mid. */
  repriceShare: number;
  /** Median time an order rests before its cancel, in µs of the tape's clock (deeper orders live longer). */
  medianLifeUs: number;
  /** Offsets from the mid: 1 + k ticks, k <= maxOffset, weight 1/(k+1)^alpha + humpAmp * exp(-(k-humpCenter)^2 / 2). */
  maxOffset: number;
  alpha: number;
  humpAmp: number;
  humpCenter: number;
  maxQty: number;
}

export const SWING: SwingProfile = {
  name: 'swing',
  seed: 0x5eed_0003,
  newOrders: 1_000_000,
  volatility: 0.5,
  targetSwing: 0.4,
  startMid: 33_504,
  iocShare: 0.15,
  cancelShare: 0.95,
  duplicateCancelShare: 0.02,
  amendShare: 0.2,
  duplicateAmendShare: 0.02,
  repriceShare: 0.8,
  medianLifeUs: 431,
  maxOffset: 799,
  alpha: 2.23,
  humpAmp: 5,
  humpCenter: 8,
  maxQty: 100,
};

/** Generates a swing tape (see {@link SwingProfile}); the same profile gives the same tape everywhere. */
export function generateSwingTape(p: SwingProfile): Tape {
  const random = seededRandom(p.seed);
  const n = p.newOrders;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const cdf = new Float64Array(p.maxOffset + 1);
  for (let k = 0, acc = 0; k <= p.maxOffset; k++) {
    acc += 1 / Math.pow(k + 1, p.alpha) + p.humpAmp * Math.exp(-0.5 * (k - p.humpCenter) ** 2);
    cdf[k] = acc;
  }
  const offset = () => {
    const x = random() * cdf[p.maxOffset];
    let lo = 0;
    let hi = p.maxOffset;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cdf[m] < x) lo = m + 1;
      else hi = m;
    }
    return lo;
  };

  // The orders in the order the walk prices them: buys off its first half, sells off its second.
  const sigma = p.volatility * Math.sqrt((p.targetSwing / p.volatility) ** 2 / n);
  const price = new Float64Array(n);
  const qty = new Float64Array(n);
  const depth = new Uint16Array(n);
  let mid = p.startMid;
  for (let i = 0; i < n; i++) {
    mid *= Math.exp(-0.5 * sigma * sigma + sigma * normal());
    const k = offset();
    const m = Math.round(mid);
    price[i] = Math.max(1, i < n / 2 ? m - (k + 1) : m + (k + 1));
    qty[i] = int(1, p.maxQty);
    depth[i] = k;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = int(0, i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }

  // Each order's life in arrival order: place, maybe an amend, mostly a cancel (each after the last).
  const cmds: { kind: number; id: number; price: number; qty: number; ioc: boolean; amendQty: number; amendPrice: number; us: number }[] = [];
  const lambda = Math.log(2) / p.medianLifeUs;
  let now = 0;
  for (const i of order) {
    const ioc = random() < p.iocShare;
    cmds.push({ kind: PLACE, id: i, price: price[i], qty: qty[i], ioc, amendQty: 0, amendPrice: 0, us: now });
    if (ioc) {
      now += 1;
      continue;
    }
    const buy = i < n / 2;
    let amended = false;
    let amendPrice = 0;
    if (random() < p.amendShare) {
      now += 30 + Math.floor(random() * 70);
      amendPrice = random() < p.repriceShare ? price[i] + (buy ? 1 : -1) : 0;
      cmds.push({ kind: AMEND, id: i, price: 0, qty: 0, ioc: false, amendQty: qty[i] + 1, amendPrice, us: now });
      amended = true;
    }
    let cancelled = false;
    if (random() < p.cancelShare) {
      now += Math.floor(-Math.log(1 - random()) / (lambda / Math.sqrt(1 + depth[i])));
      cmds.push({ kind: CANCEL, id: i, price: 0, qty: 0, ioc: false, amendQty: 0, amendPrice: 0, us: now });
      cancelled = true;
      if (random() < p.duplicateCancelShare) {
        now += 1 + Math.floor(random() * 20);
        cmds.push({ kind: CANCEL, id: i, price: 0, qty: 0, ioc: false, amendQty: 0, amendPrice: 0, us: now });
      }
    }
    if (amended && cancelled && random() < p.duplicateAmendShare) {
      now += 1 + Math.floor(random() * 20);
      cmds.push({ kind: AMEND, id: i, price: 0, qty: 0, ioc: false, amendQty: qty[i] + 1, amendPrice, us: now });
    }
    now += 1;
  }

  const tape = new Tape(cmds.length);
  const ids = new Array<string>(n);
  for (let c = 0; c < cmds.length; c++) {
    const cmd = cmds[c];
    const id = (ids[cmd.id] ??= (cmd.id + 1).toString(36));
    tape.kind[c] = cmd.kind;
    tape.ids[c] = id;
    tape.ts[c] = 1_700_000_000_000 + Math.floor(cmd.us / 1000);
    if (cmd.kind === PLACE) {
      tape.side[c] = cmd.id < n / 2 ? 0 : 1;
      tape.tif[c] = cmd.ioc ? 1 : 0;
      tape.price[c] = cmd.price;
      tape.qty[c] = cmd.qty;
    } else if (cmd.kind === AMEND) {
      tape.amendQty[c] = cmd.amendQty;
      tape.amendPrice[c] = cmd.amendPrice;
    }
  }
  return tape;
}
