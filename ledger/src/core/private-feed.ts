import {
  renderOrderView,
  wireUnits,
  type EngineEvent,
  type FillUpdate,
  type MarketSpec,
  type OrderRecord,
  type OrderUpdate,
  type PrivateMessage,
  type UnsequencedPrivateMessage,
  type WireUnits,
} from '@xtrader/protocol';

/** An open order of one of the shard's accounts, as the private feed follows it. */
export interface TrackedOrder {
  account_id: string;
  /** Integer state; `fills` stays empty (fills travel on their own channel). */
  record: OrderRecord;
}

/** One private message for one account, before its producer numbers it. */
export interface PrivateDraft {
  account_id: string;
  message: UnsequencedPrivateMessage;
}

/**
 * Turns one symbol's committed engine events into the private messages of the accounts a shard
 * owns (pure and deterministic, like the core it follows): an `OrderUpdate` on every change of an
 * own order (accepted, each fill, amended, cancelled, rejected) and a `Fill` for each own leg of a trade,
 * taker and maker alike. It keeps the shard's open orders, since an order's later events (a fill
 * as maker, a cancel) do not repeat what it is.
 *
 * An event for an order it does not know (an order that was open before the feed started) gives
 * no message: the client resyncs that order from REST.
 */
export class PrivateFeed {
  private readonly open = new Map<string, TrackedOrder>();
  private readonly units: WireUnits;
  /** Orders opened, changed or ended since the last {@link takeChanges}. */
  private changed = new Map<string, TrackedOrder | null>();

  constructor(
    private readonly spec: MarketSpec,
    /** Whether an account belongs to this shard. */
    private readonly owns: (accountId: string) => boolean,
    open: readonly TrackedOrder[] = [],
  ) {
    this.units = wireUnits(spec);
    for (const o of open) this.open.set(o.record.order_id, o);
  }

  /**
   * Applies a commit's events in order; returns the messages they make, in that order. A rejected
   * place names no order details, so its final record comes in `rejected` (by order id; the
   * producer reads it from the order's stored state, which a rejection never changes again).
   */
  apply(events: readonly EngineEvent[], rejected: ReadonlyMap<string, OrderRecord> = new Map()): PrivateDraft[] {
    const out: PrivateDraft[] = [];
    for (const e of events) this.applyEvent(e, out, rejected);
    return out;
  }

  /** The rejected places of own accounts among `events`: their records must come with {@link apply}. */
  ownRejections(events: readonly EngineEvent[]): string[] {
    const ids: string[] = [];
    for (const e of events) if (e.kind === 'rejected' && e.code !== 'DUPLICATE_ORDER_ID' && e.account_id !== undefined && this.owns(e.account_id)) ids.push(e.order_id);
    return ids;
  }

  /** The open orders (for a commit of the whole state, or a test). */
  openOrders(): TrackedOrder[] {
    return [...this.open.values()];
  }

  /** Whether an order was opened, changed or ended since the last {@link takeChanges}. */
  get hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** What changed since the last call: open orders to store (value) or forget (null), by id. */

  takeChanges(): Map<string, TrackedOrder | null> {
    const c = this.changed;
    this.changed = new Map();
    return c;
  }

  private applyEvent(e: EngineEvent, out: PrivateDraft[], rejected: ReadonlyMap<string, OrderRecord>): void {
    switch (e.kind) {
      case 'accepted': {
        if (e.account_id === undefined || !this.owns(e.account_id) || this.open.has(e.order_id)) return;
        const record: OrderRecord = {
          order_id: e.order_id,
          ...(e.client_order_id !== undefined ? { client_order_id: e.client_order_id } : {}),
          side: e.side,
          type: e.type,
          tif: e.tif,
          price_ticks: e.price_ticks,
          qty_lots: e.qty_lots,
          filled_lots: 0,
          notional: '0',
          fills: [],
          fills_total: 0,
          fee_total: 0,
          status: 'NEW',
          created_at: e.ts,
          updated_at: e.ts,
          seq: e.seq,
        };
        const tracked = { account_id: e.account_id, record };
        this.open.set(e.order_id, tracked);
        this.changed.set(e.order_id, tracked);
        out.push(this.orderUpdate(tracked));
        return;
      }
      case 'rejected': {
        // A rejected place never opened (an accepted order cannot be rejected afterwards); a
        // duplicate id is a second copy of an order whose first copy is the one that counts.
        if (e.account_id === undefined || !this.owns(e.account_id) || e.code === 'DUPLICATE_ORDER_ID') return;
        const record = rejected.get(e.order_id);
        if (record) out.push(this.orderUpdate({ account_id: e.account_id, record: { ...record, fills: [] } }));
        return;
      }
      case 'trade': {
        this.fill(e, e.taker_order_id, 'taker', e.taker_fee, e.taker_remaining_lots, out);
        this.fill(e, e.maker_order_id, 'maker', e.maker_fee, e.maker_remaining_lots, out);
        return;
      }
      case 'cancelled': {
        const o = this.open.get(e.order_id);
        if (!o) return;
        o.record.status = 'CANCELLED';
        o.record.cancel_reason = e.reason;
        this.touch(o, e);
        out.push(this.orderUpdate(o));
        return;
      }
      case 'amended': {
        // A new price or total quantity (the fills so far stay the order's).
        const o = this.open.get(e.order_id);
        if (!o) return;
        o.record.price_ticks = e.price_ticks;
        o.record.qty_lots = e.qty_lots;
        this.touch(o, e);
        out.push(this.orderUpdate(o));
        return;
      }
      case 'rested':
      case 'cancel_rejected':
      case 'amend_rejected':
      case 'book':
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown engine event ${(never as { kind: string }).kind}`);
      }
    }
  }

  private fill(
    e: Extract<EngineEvent, { kind: 'trade' }>,
    orderId: string,
    liquidity: 'maker' | 'taker',
    fee: number,
    remaining: number,
    out: PrivateDraft[],
  ): void {
    const o = this.open.get(orderId);
    if (!o) return;
    const r = o.record;
    r.filled_lots += e.qty_lots;
    r.notional = (BigInt(r.notional) + BigInt(e.price_ticks) * BigInt(e.qty_lots)).toString();
    r.status = remaining === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    this.touch(o, e);
    const fillMessage: Omit<FillUpdate, 'account_sequence'> = {
      type: 'Fill',
      exec_id: e.trade_id,
      order_id: orderId,
      symbol: this.spec.symbol,
      side: r.side,
      price: this.units.price(e.price_ticks),
      quantity: this.units.quantity(e.qty_lots),
      fee: this.units.fee(fee),
      fee_asset: this.spec.config.quote,
      liquidity,
      timestamp: e.ts,
    };
    out.push({ account_id: o.account_id, message: fillMessage });
    out.push(this.orderUpdate(o));
  }

  private touch(o: TrackedOrder, e: EngineEvent): void {
    o.record.updated_at = e.ts;
    o.record.seq = e.seq;
    const ended = o.record.status === 'FILLED' || o.record.status === 'CANCELLED';
    if (ended) this.open.delete(o.record.order_id);
    this.changed.set(o.record.order_id, ended ? null : o);
  }

  private orderUpdate(o: TrackedOrder): PrivateDraft {
    const { fills: _fills, fills_total: _total, cumulative_quote_quantity: _quote, ...order } = renderOrderView(this.spec, o.record);
    const message: Omit<OrderUpdate, 'account_sequence'> = { type: 'OrderUpdate', order };
    return { account_id: o.account_id, message };
  }
}

/**
 * Numbers each draft with its account's next `account_sequence` (`counters` holds the last one
 * given per account and is advanced) and groups them per account, in order.
 */
export function sequencePrivate(drafts: readonly PrivateDraft[], counters: Map<string, number>): Map<string, PrivateMessage[]> {
  const out = new Map<string, PrivateMessage[]>();
  for (const d of drafts) {
    const next = (counters.get(d.account_id) ?? 0) + 1;
    counters.set(d.account_id, next);
    let list = out.get(d.account_id);
    if (!list) out.set(d.account_id, (list = []));
    list.push({ ...d.message, account_sequence: next } as PrivateMessage);
  }
  return out;
}
