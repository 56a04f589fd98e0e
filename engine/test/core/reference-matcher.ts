import { feeUnits, type EngineEvent, type MarketSpec, type PlaceCommand, type Side, type TimedCommand } from '@xtrader/protocol';

interface RefOrder {
  id: string;
  side: Side;
  price: number;
  lots: number;
  arrival: number;
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
    if (cmd.kind === 'clock') return [];
    if (cmd.kind === 'cancel') return this.cancel(cmd.order_id, cmd.request_id, cmd.ts);
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
    if (cmd.tif === 'FOK' && this.resting.filter(acceptable).reduce((sum, o) => sum + o.lots, 0) < cmd.qty_lots) {
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

    let remaining = cmd.qty_lots;
    while (remaining > 0) {
      let best: RefOrder | undefined;
      for (const o of this.resting) {
        if (!acceptable(o)) continue;
        const better = best === undefined || (cmd.side === 'Buy' ? o.price < best.price : o.price > best.price) || (o.price === best.price && o.arrival < best.arrival);
        if (better) best = o;
      }
      if (best === undefined) break;
      const fill = Math.min(remaining, best.lots);
      remaining -= fill;
      best.lots -= fill;
      const seq = ++this.seq;
      events.push({
        v: 1,
        seq,
        ts,
        kind: 'trade',
        trade_id: `${this.spec.symbol}-${seq}`,
        taker_order_id: id,
        maker_order_id: best.id,
        taker_side: cmd.side,
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
    }

    if (remaining > 0 && !market && (cmd.tif === 'GTC' || cmd.tif === 'POST_ONLY')) {
      this.resting.push({ id, side: cmd.side, price: limit, lots: remaining, arrival: this.arrivals++ });
      events.push({ v: 1, seq: ++this.seq, ts, kind: 'rested', order_id: id, side: cmd.side, price_ticks: limit, remaining_lots: remaining });
    } else {
      this.remember(id);
      if (remaining > 0) {
        events.push({ v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: id, remaining_lots: remaining, reason: market ? 'no_liquidity' : 'ioc_remainder' });
      }
    }

    // Every level whose total changed: the opposite side best first, then the taker's own side.
    const after = this.levelTotals(candidates);
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((key) => (before.get(key) ?? 0) !== (after.get(key) ?? 0))
      .map((key) => ({ side: (key < 0 ? 'Buy' : 'Sell') as Side, price: Math.abs(key), lots: after.get(key) ?? 0 }))
      .sort((a, b) => {
        if (a.side !== b.side) return a.side === cmd.side ? 1 : -1;
        return a.side === 'Sell' ? a.price - b.price : b.price - a.price;
      });
    for (const c of changed) events.push({ v: 1, seq: ++this.seq, ts, kind: 'book', side: c.side, price_ticks: c.price, qty_lots: c.lots });
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
