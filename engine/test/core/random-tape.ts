import type { PlaceCommand, SelfTradePrevention, TimedCommand } from '@xtrader/protocol';
import { prng } from './helpers';

/**
 * A reproducible random command tape for property tests: passive and crossing limits of every
 * time in force, market orders (some with unusual tifs), cancels of live, finished and unknown
 * ids, reused ids, clock ticks, around a drifting mid price so the book stays a few hundred
 * orders deep and many commands trade. With `accounts`, most orders belong to one of three
 * accounts with a random self-trade prevention mode, and Market Buys often carry a quote budget
 * (`quote_quantity`, or a `spend_limit` with their quantity).
 */
export function randomTape(seed: number, length: number, options: { amends?: boolean; accounts?: boolean } = {}): TimedCommand[] {
  const random = prng(seed);
  // Amends and owners come from their own streams of numbers, so a tape without them is what it always was.
  const amendRandom = prng(seed ^ 0x5a5a);
  const ownerRandom = prng(seed ^ 0x3c3c);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const tape: TimedCommand[] = [];
  const ids: string[] = [];
  let mid = 1000;
  let ts = 1_700_000_000_000;
  let next = 0;
  for (let i = 0; i < length; i++) {
    ts += int(0, 3);
    if (random() < 0.05) mid = Math.max(20, mid + int(-1, 1));
    if (options.amends === true && ids.length > 0 && amendRandom() < 0.12) {
      tape.push(randomAmend(amendRandom, ids, mid, i, ts));
      continue;
    }
    const r = random();
    if (r < 0.02) {
      tape.push({ v: 1, kind: 'clock', ts });
      continue;
    }
    if (r < 0.3) {
      const u = random();
      const orderId = u < 0.8 && ids.length > 0 ? ids[int(Math.max(0, ids.length - 120), ids.length - 1)] : u < 0.9 && ids.length > 0 ? ids[int(0, ids.length - 1)] : `ghost-${seed}-${i}`;
      tape.push({ v: 1, kind: 'cancel', order_id: orderId, request_id: `r${i}`, ts });
      continue;
    }
    const side = random() < 0.5 ? 'Buy' : 'Sell';
    // 3% reuse an id that was used before (resting or finished): DUPLICATE_ORDER_ID, or not if forgotten.
    const orderId = random() < 0.03 && ids.length > 0 ? ids[int(0, ids.length - 1)] : `o${seed}-${next++}`;
    ids.push(orderId);
    const qty = random() < 0.1 ? int(15, 80) : int(1, 10);
    const client = random() < 0.1 ? { client_order_id: `c-${i}` } : {};
    let cmd: PlaceCommand;
    if (r < 0.36) {
      const t = random();
      const tif = t < 0.6 ? 'IOC' : t < 0.85 ? 'FOK' : t < 0.95 ? 'GTC' : 'POST_ONLY';
      cmd = { v: 1, kind: 'place', order_id: orderId, ...client, side, type: 'Market', tif, price_ticks: null, qty_lots: qty };
    } else {
      const t = random();
      const tif = t < 0.72 ? 'GTC' : t < 0.84 ? 'IOC' : t < 0.92 ? 'FOK' : 'POST_ONLY';
      // Buys mostly below mid and sells above; the overlap makes about a third of them cross.
      const offset = int(-4, 7);
      const price = Math.max(1, side === 'Buy' ? mid - offset : mid + offset);
      cmd = { v: 1, kind: 'place', order_id: orderId, ...client, side, type: 'Limit', tif, price_ticks: price, qty_lots: qty };
    }
    if (options.accounts === true) cmd = withOwner(ownerRandom, cmd);
    tape.push({ ...cmd, ts });
  }
  return tape;
}

const STP_MODES: (SelfTradePrevention | undefined)[] = [undefined, undefined, 'EXPIRE_MAKER', 'EXPIRE_TAKER', 'EXPIRE_BOTH', 'NONE'];

/** `cmd` placed by one of three accounts (or none, now and then), a Market Buy maybe with a budget. */
function withOwner(random: () => number, cmd: PlaceCommand): PlaceCommand {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const out: PlaceCommand = { ...cmd };
  if (random() < 0.9) {
    out.account_id = `acct-${int(0, 2)}`;
    const stp = STP_MODES[int(0, STP_MODES.length - 1)];
    if (stp !== undefined) out.self_trade_prevention = stp;
  }
  if (cmd.type === 'Market' && cmd.side === 'Buy') {
    // Amounts around the cost of a few lots near the mid (about 100 quote units a lot on the KRW
    // markets, 10 on AAPL), some below the cost of one lot, some finer than a cent.
    const amount = () => `${int(0, 3000)}.${String(int(0, 9999)).padStart(4, '0')}`;
    const u = random();
    if (u < 0.45) {
      out.quote_quantity = amount();
      out.qty_lots = 100_000;
    } else if (u < 0.7) out.spend_limit = amount();
  }
  return out;
}

/**
 * An amend of a recent id (resting, finished or unknown): less or more quantity, a new price near
 * the mid (crossing sometimes), both, neither (NOTHING_CHANGED), or a quantity or price the core
 * must reject (0, fractional).
 */
function randomAmend(random: () => number, ids: string[], mid: number, i: number, ts: number): TimedCommand {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const orderId = random() < 0.95 ? ids[int(Math.max(0, ids.length - 80), ids.length - 1)] : `ghost-amend-${i}`;
  const cmd: TimedCommand = { v: 1, kind: 'amend', order_id: orderId, request_id: `a${i}`, ts };
  const u = random();
  const qty = () => (random() < 0.7 ? int(1, 8) : int(9, 60));
  const price = () => Math.max(1, mid + int(-8, 8));
  if (u < 0.4) cmd.qty_lots = qty();
  else if (u < 0.75) cmd.price_ticks = price();
  else if (u < 0.9) {
    cmd.qty_lots = qty();
    cmd.price_ticks = price();
  } else if (u < 0.93) {
    // neither: nothing changes
  } else if (u < 0.96) cmd.qty_lots = random() < 0.5 ? 0 : 2.5;
  else cmd.price_ticks = random() < 0.5 ? 0 : mid + 0.5;
  return cmd;
}
