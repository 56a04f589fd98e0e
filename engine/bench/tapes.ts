import type { TimedCommand } from '@xtrader/protocol';

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

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MID = 1_000_000;

/**
 * Generates a tape: passive limits around a fixed mid (many on a few hot levels), crossing limits
 * (GTC/IOC/FOK) a few ticks through the mid, market orders (IOC/FOK), and cancels of a random
 * order among those placed GTC and not yet cancelled (some of which have filled meanwhile, which
 * is realistic and gives ORDER_NOT_FOUND).
 */
export function generateTape(p: TapeProfile): TimedCommand[] {
  const random = prng(p.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tape: TimedCommand[] = new Array(p.commands);
  const live: string[] = [];
  const buildEnd = Math.floor(p.commands * p.buildShare);
  let ts = 1_700_000_000_000;
  let nextId = 0;
  const newId = () => (nextId++).toString(36);

  for (let i = 0; i < p.commands; i++) {
    if ((i & 7) === 0) ts++;
    let r = random();
    if (i < buildEnd) r = r < 0.95 ? 0 : random(); // build phase: almost only passive
    const { passive, crossing, cancel } = p.mix;
    const forcedCancel = live.length >= p.maxLive;
    const side = random() < 0.5 ? 'Buy' : 'Sell';

    if (forcedCancel || (r >= passive + crossing && r < passive + crossing + cancel && live.length > 0)) {
      const k = int(0, live.length - 1);
      const orderId = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      tape[i] = { v: 1, kind: 'cancel', order_id: orderId, request_id: `r${i}`, ts };
      continue;
    }
    let cmd: TimedCommand;
    const orderId = newId();
    if (r < passive || (r >= passive + crossing && r < passive + crossing + cancel)) {
      const offset = random() < p.hotShare ? p.hotOffsets[int(0, p.hotOffsets.length - 1)] : 1 + Math.floor(-Math.log(1 - random()) * p.meanOffset);
      const price = side === 'Buy' ? MID - offset : MID + offset;
      cmd = { v: 1, kind: 'place', order_id: orderId, side, type: 'Limit', tif: 'GTC', price_ticks: price, qty_lots: int(1, 10), ts };
      live.push(orderId);
    } else if (r < passive + crossing) {
      const t = random();
      const tif = t < 0.7 ? 'GTC' : t < 0.9 ? 'IOC' : 'FOK';
      const through = int(1, 3);
      const price = side === 'Buy' ? MID + through : MID - through;
      cmd = { v: 1, kind: 'place', order_id: orderId, side, type: 'Limit', tif, price_ticks: price, qty_lots: int(1, 30), ts };
      if (tif === 'GTC') live.push(orderId);
    } else {
      cmd = { v: 1, kind: 'place', order_id: orderId, side, type: 'Market', tif: random() < 0.9 ? 'IOC' : 'FOK', price_ticks: null, qty_lots: int(1, 30), ts };
    }
    tape[i] = cmd;
  }
  return tape;
}
