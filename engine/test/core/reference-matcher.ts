import {
  feeUnits,
  parseDecimal,
  type AmendCommand,
  type CancelReason,
  type EngineEvent,
  type MarketSpec,
  type PlaceCommand,
  type SelfTradePrevention,
  type Side,
  type TimedCommand,
} from '@xtrader/protocol';

interface RefOrder {
  id: string;
  side: Side;
  price: number;
  /** Remaining lots. */
  lots: number;
  /** Total quantity (filled lots included). */
  qty: number;
  postOnly: boolean;
  arrival: number;
  /** The owner, and its self-trade prevention mode (absent: no account). */
  account?: string;
  stp?: SelfTradePrevention;
}

/** An exact amount of quote as a fraction: numerator / 10^scale. */
interface Amount {
  num: bigint;
  scale: number;
}
const lessOrEqual = (a: Amount, b: Amount) => a.num * 10n ** BigInt(b.scale) <= b.num * 10n ** BigInt(a.scale);
const plus = (a: Amount, b: Amount): Amount => ({ num: a.num * 10n ** BigInt(b.scale) + b.num * 10n ** BigInt(a.scale), scale: a.scale + b.scale });

/** A taker as matching sees it: a place, or an amended order placed again. */
interface Taker {
  id: string;
  side: Side;
  market: boolean;
  limit: number;
  lots: number;
  account?: string;
  stp?: SelfTradePrevention;
  /** The most it may spend, fee included (a Market Buy with a quote budget). */
  budget?: Amount;
}

/**
 * A deliberately naive matcher, written from the README's rules and nothing else: one array of
 * resting orders, linear scans for the best maker, level totals recomputed from scratch before and
 * after every command, fees from the contract's bigint `feeUnits`. Slow and obviously right, so the
 * property test can demand the real core emits exactly the same events.
 */
export class ReferenceMatcher {
  private resting: RefOrder[] = [];
  private finished: string[] = [];
  private seq = 0;
  private arrivals = 0;

  constructor(
    private readonly spec: MarketSpec,
    private readonly capacity: number,
  ) {}

  apply(cmd: TimedCommand): EngineEvent[] {
    if (cmd.kind === 'clock' || cmd.kind === 'cancel_all') return [];
    if (cmd.kind === 'cancel') return this.cancel(cmd.order_id, cmd.request_id, cmd.ts);
    if (cmd.kind === 'amend') return this.amend(cmd, cmd.ts);
    return this.place(cmd, cmd.ts);
  }

  depth(): { bids: [number, number][]; asks: [number, number][] } {
    const levels = [...this.levelTotals().entries()].map(([key, lots]) => [Math.abs(key), lots, key] as const);
    const side = (buy: boolean) =>
      levels
        .filter(([, , key]) => key < 0 === buy)
        .map(([price, lots]) => [price, lots] as [number, number])
        .sort((a, b) => (buy ? b[0] - a[0] : a[0] - b[0]));
    return { bids: side(true), asks: side(false) };
  }

  private remember(id: string): void {
    this.finished.push(id);
    if (this.finished.length > this.capacity) this.finished.shift();
  }

  /** Total lots per level, keyed `-price` for bids and `price` for asks (only `keys` if given). */
  private levelTotals(keys?: Set<number>): Map<number, number> {
    const totals = new Map<number, number>();
    for (const o of this.resting) {
      const key = o.side === 'Buy' ? -o.price : o.price;
      if (keys !== undefined && !keys.has(key)) continue;
      totals.set(key, (totals.get(key) ?? 0) + o.lots);
    }
    return totals;
  }

  private place(cmd: PlaceCommand, ts: number): EngineEvent[] {
    const id = cmd.order_id;
    if (this.resting.some((o) => o.id === id) || this.finished.includes(id)) {
      return [{ v: 1, seq: ++this.seq, ts, kind: 'rejected', order_id: id, code: 'DUPLICATE_ORDER_ID', message: 'this order id was already used' }];
    }
    const market = cmd.type === 'Market';
    const limit = cmd.price_ticks ?? 0;
    const acceptable = (o: RefOrder) => o.side !== cmd.side && (market || (cmd.side === 'Buy' ? o.price <= limit : o.price >= limit));
    if (cmd.tif === 'POST_ONLY' && (market || this.resting.some(acceptable))) {
      this.remember(id);
      return [{ v: 1, seq: ++this.seq, ts, kind: 'rejected', order_id: id, code: 'POST_ONLY_WOULD_CROSS', message: 'post-only order would take liquidity' }];
    }
    const taker: Taker = { id, side: cmd.side, market, limit, lots: cmd.qty_lots, account: cmd.account_id, stp: cmd.account_id === undefined ? undefined : (cmd.self_trade_prevention ?? 'EXPIRE_MAKER') };
    for (const amount of [cmd.quote_quantity, cmd.spend_limit]) {
      if (amount === undefined) continue;
      const d = parseDecimal(amount)!;
      const a = { num: d.mantissa, scale: d.scale };
      if (taker.budget === undefined || lessOrEqual(a, taker.budget)) taker.budget = a;
    }
    if (cmd.tif === 'FOK' && this.simulate(taker) < cmd.qty_lots) {
      this.remember(id);
      return [{ v: 1, seq: ++this.seq, ts, kind: 'rejected', order_id: id, code: 'FOK_CANNOT_FILL', message: 'fill-or-kill order cannot be filled completely' }];
    }

    // Only levels holding an order this one may trade with, and its own level, can change.
    const candidates = new Set<number>(this.resting.filter(acceptable).map((o) => (o.side === 'Buy' ? -o.price : o.price)));
    if (!market) candidates.add(cmd.side === 'Buy' ? -limit : limit);
    const before = this.levelTotals(candidates);
    const events: EngineEvent[] = [];
    const accepted: Record<string, unknown> = { v: 1, seq: ++this.seq, ts, kind: 'accepted', order_id: id };
    if (cmd.client_order_id !== undefined) accepted.client_order_id = cmd.client_order_id;
    Object.assign(accepted, { side: cmd.side, type: cmd.type, tif: cmd.tif, price_ticks: cmd.price_ticks, qty_lots: cmd.qty_lots });
    events.push(accepted as EngineEvent);

    const { remaining, ended } = this.match(taker, events, ts);
    if (remaining > 0 && ended === undefined && !market && (cmd.tif === 'GTC' || cmd.tif === 'POST_ONLY')) {
      const owner = taker.account === undefined ? {} : { account: taker.account, stp: taker.stp };
      this.resting.push({ id, side: cmd.side, price: limit, lots: remaining, qty: cmd.qty_lots, postOnly: cmd.tif === 'POST_ONLY', arrival: this.arrivals++, ...owner });
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'rested', order_id: id, side: cmd.side, price_ticks: limit, remaining_lots: remaining });
    } else {
      this.remember(id);
      if (remaining > 0) {
        events.push({ v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: id, remaining_lots: remaining, reason: ended ?? (market ? 'no_liquidity' : 'ioc_remainder') });
      }
    }

    for (const e of this.bookEvents(before, candidates, cmd.side, ts)) events.push(e);
    return events;
  }

  /** The makers a taker may trade with, best price first and oldest first. */
  private queue(taker: Taker): RefOrder[] {
    const acceptable = (o: RefOrder) => o.side !== taker.side && (taker.market || (taker.side === 'Buy' ? o.price <= taker.limit : o.price >= taker.limit));
    return this.resting.filter(acceptable).sort((a, b) => (a.price !== b.price ? (taker.side === 'Buy' ? a.price - b.price : b.price - a.price) : a.arrival - b.arrival));
  }

  /** Whether `maker` is of the taker's own account and the taker does not allow that trade. */
  private isSelfTrade(taker: Taker, maker: RefOrder): boolean {
    return taker.account !== undefined && taker.stp !== 'NONE' && maker.account === taker.account;
  }

  /** What a fill of `lots` at `price` costs the taker: price x quantity plus its taker fee, exactly. */
  private cost(price: number, lots: number): Amount {
    const { tick, lot } = this.spec;
    const notional = { num: BigInt(price) * tick.mantissa * BigInt(lots) * lot.mantissa, scale: tick.scale + lot.scale };
    return plus(notional, { num: BigInt(feeUnits(this.spec, price, lots, this.spec.takerRate)), scale: this.spec.config.fee_decimals });
  }

  /** The most lots, up to `lots`, one fill at `price` may take within `budget` (counting down from `lots`). */
  private affordable(budget: Amount, price: number, lots: number): number {
    let n = lots;
    while (n > 0 && !lessOrEqual(this.cost(price, n), budget)) n--;
    return n;
  }

  /** How many lots the taker would fill, changing nothing (the fill-or-kill check). */
  private simulate(taker: Taker): number {
    let filled = 0;
    let budget = taker.budget;
    for (const o of this.queue(taker)) {
      if (filled === taker.lots) break;
      if (this.isSelfTrade(taker, o)) {
        if (taker.stp === 'EXPIRE_MAKER') continue;
        break;
      }
      let fill = Math.min(taker.lots - filled, o.lots);
      if (budget !== undefined) {
        const can = this.affordable(budget, o.price, fill);
        if (can < fill) return filled + can;
        const c = this.cost(o.price, fill);
        budget = { num: budget.num * 10n ** BigInt(c.scale) - c.num * 10n ** BigInt(budget.scale), scale: budget.scale + c.scale };
      }
      filled += fill;
    }
    return filled;
  }

  /**
   * Matches a taker against the best acceptable makers one at a time; returns its remaining lots
   * and, when self-trade prevention or its budget ended it early, why.
   */
  private match(taker: Taker, events: EngineEvent[], ts: number): { remaining: number; ended?: CancelReason } {
    let remaining = taker.lots;
    let budget = taker.budget;
    while (remaining > 0) {
      const best = this.queue(taker)[0];
      if (best === undefined) break;
      if (this.isSelfTrade(taker, best)) {
        if (taker.stp !== 'EXPIRE_TAKER') {
          this.resting = this.resting.filter((o) => o !== best);
          this.remember(best.id);
          events.push({ v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: best.id, remaining_lots: best.lots, reason: 'SELF_TRADE_PREVENTION' });
        }
        if (taker.stp === 'EXPIRE_MAKER') continue;
        return { remaining, ended: 'SELF_TRADE_PREVENTION' };
      }
      let fill = Math.min(remaining, best.lots);
      let spent = false;
      if (budget !== undefined) {
        const can = this.affordable(budget, best.price, fill);
        if (can === 0) return { remaining, ended: 'budget_spent' };
        spent = can < fill;
        fill = can;
        const c = this.cost(best.price, fill);
        budget = { num: budget.num * 10n ** BigInt(c.scale) - c.num * 10n ** BigInt(budget.scale), scale: budget.scale + c.scale };
      }
      remaining -= fill;
      best.lots -= fill;
      const seq = ++this.seq;
      events.push({
        v: 1,
        seq,
        ts,
        kind: 'trade',
        trade_id: `${this.spec.symbol}-${seq}`,
        taker_order_id: taker.id,
        maker_order_id: best.id,
        taker_side: taker.side,
        price_ticks: best.price,
        qty_lots: fill,
        taker_fee: feeUnits(this.spec, best.price, fill, this.spec.takerRate),
        maker_fee: feeUnits(this.spec, best.price, fill, this.spec.makerRate),
        taker_remaining_lots: remaining,
        maker_remaining_lots: best.lots,
      });
      if (best.lots === 0) {
        this.resting = this.resting.filter((o) => o !== best);
        this.remember(best.id);
      }
      if (spent) return { remaining, ended: 'budget_spent' };
    }
    return { remaining };
  }

  /**
   * One book event per level of `candidates` whose total changed since `before`: the opposite
   * side of `takerSide` best first, then the taker's own side best first.
   */
  private bookEvents(before: Map<number, number>, candidates: Set<number>, takerSide: Side, ts: number): EngineEvent[] {
    const after = this.levelTotals(candidates);
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((key) => (before.get(key) ?? 0) !== (after.get(key) ?? 0))
      .map((key) => ({ side: (key < 0 ? 'Buy' : 'Sell') as Side, price: Math.abs(key), lots: after.get(key) ?? 0 }))
      .sort((a, b) => {
        if (a.side !== b.side) return a.side === takerSide ? 1 : -1;
        return a.side === 'Sell' ? a.price - b.price : b.price - a.price;
      });
    return changed.map((c) => ({ v: 1, seq: ++this.seq, ts, kind: 'book', side: c.side, price_ticks: c.price, qty_lots: c.lots }));
  }

  private amendRejected(cmd: AmendCommand, ts: number, code: string, message: string): EngineEvent[] {
    return [{ v: 1, seq: ++this.seq, ts, kind: 'amend_rejected', order_id: cmd.order_id, request_id: cmd.request_id, code, message } as EngineEvent];
  }

  /**
   * README's amend: checks in this order (quantity, price, order resting, something changes, more
   * than filled); less quantity at the same price keeps the queue place; anything else takes the
   * order off and places it again at the back of its (new) price, trading first if it crosses.
   */
  private amend(cmd: AmendCommand, ts: number): EngineEvent[] {
    const { qty_lots: qty, price_ticks: price } = cmd;
    if (qty !== undefined && !(Number.isSafeInteger(qty) && qty > 0)) return this.amendRejected(cmd, ts, 'INVALID_QUANTITY', 'quantity must be a positive whole number of lots');
    if (price !== undefined && !(Number.isSafeInteger(price) && price > 0)) return this.amendRejected(cmd, ts, 'INVALID_PRICE', 'price must be a positive whole number of ticks');
    const order = this.resting.find((o) => o.id === cmd.order_id);
    if (order === undefined) return this.amendRejected(cmd, ts, 'ORDER_NOT_FOUND', 'order is not resting on the book (unknown, filled or cancelled)');
    const newQty = qty ?? order.qty;
    const newPrice = price ?? order.price;
    const filled = order.qty - order.lots;
    if (newQty === order.qty && newPrice === order.price) return this.amendRejected(cmd, ts, 'NOTHING_CHANGED', 'the amend asks for the price and quantity the order already has');
    if (newQty <= filled) return this.amendRejected(cmd, ts, 'QUANTITY_NOT_ABOVE_FILLED', 'the new quantity must be more than what has already filled');
    const remaining = newQty - filled;
    const amended = (kept: boolean): EngineEvent => ({
      v: 1,
      seq: ++this.seq,
      ts,
      kind: 'amended',
      order_id: order.id,
      request_id: cmd.request_id,
      kept_priority: kept,
      side: order.side,
      price_ticks: newPrice,
      qty_lots: newQty,
      remaining_lots: remaining,
    });
    const ownKey = (p: number) => (order.side === 'Buy' ? -p : p);

    if (newPrice === order.price && newQty < order.qty) {
      order.qty = newQty;
      order.lots = remaining;
      const events = [amended(true)];
      const levelLots = this.levelTotals(new Set([ownKey(order.price)])).get(ownKey(order.price)) ?? 0;
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'book', side: order.side, price_ticks: order.price, qty_lots: levelLots });
      return events;
    }
    const crosses = (o: RefOrder) => o.side !== order.side && (order.side === 'Buy' ? o.price <= newPrice : o.price >= newPrice);
    if (order.postOnly && this.resting.some(crosses)) {
      return this.amendRejected(cmd, ts, 'POST_ONLY_WOULD_CROSS', 'post-only order would take liquidity at the new price');
    }
    const oldKey = ownKey(order.price);
    const candidates = new Set<number>(this.resting.filter(crosses).map((o) => (o.side === 'Buy' ? -o.price : o.price)));
    candidates.add(ownKey(newPrice));
    const oldLevelBefore = this.levelTotals(new Set([oldKey])).get(oldKey) ?? 0;
    this.resting = this.resting.filter((o) => o !== order);
    const oldLevelAfter = this.levelTotals(new Set([oldKey])).get(oldKey) ?? 0;
    const before = this.levelTotals(candidates);
    const events: EngineEvent[] = [amended(false)];
    const { remaining: left, ended } = this.match({ id: order.id, side: order.side, market: false, limit: newPrice, lots: remaining, account: order.account, stp: order.stp }, events, ts);
    if (left > 0 && ended !== undefined) {
      this.remember(order.id);
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: order.id, remaining_lots: left, reason: ended });
    } else if (left > 0) {
      this.resting.push({ ...order, price: newPrice, lots: left, qty: newQty, arrival: this.arrivals++ });
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'rested', order_id: order.id, side: order.side, price_ticks: newPrice, remaining_lots: left });
    } else {
      this.remember(order.id);
    }
    // The old level first (it changed: the order left it), unless the order went back to it.
    if (newPrice !== order.price && oldLevelAfter !== oldLevelBefore) {
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'book', side: order.side, price_ticks: order.price, qty_lots: oldLevelAfter });
    }
    if (newPrice === order.price) before.set(oldKey, oldLevelBefore);
    for (const e of this.bookEvents(before, candidates, order.side, ts)) events.push(e);
    return events;
  }

  private cancel(id: string, requestId: string, ts: number): EngineEvent[] {
    const order = this.resting.find((o) => o.id === id);
    if (order === undefined) {
      return [
        {
          v: 1,
          seq: ++this.seq,
          ts,
          kind: 'cancel_rejected',
          order_id: id,
          request_id: requestId,
          code: 'ORDER_NOT_FOUND',
          message: 'order is not resting on the book (unknown, filled or cancelled)',
        },
      ];
    }
    this.resting = this.resting.filter((o) => o !== order);
    this.remember(id);
    const levelLots = this.resting.filter((o) => o.side === order.side && o.price === order.price).reduce((sum, o) => sum + o.lots, 0);
    return [
      { v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: id, remaining_lots: order.lots, reason: 'user', request_id: requestId },
      { v: 1, seq: ++this.seq, ts, kind: 'book', side: order.side, price_ticks: order.price, qty_lots: levelLots },
    ];
  }
}
