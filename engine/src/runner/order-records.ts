import { acceptedOrder, DEFAULT_ORDER_FILLS_MAX, isFinished, type AmendOutcome, type CancelAllOutcome, type CancelOutcome, type EngineEvent, type FillRecord, type OrderRecord, type TimedCommand } from '@xtrader/protocol';

// The record and its rendering are shared with the api, which renders the stored state.
export { renderOrderView, type FillRecord, type OrderRecord } from '@xtrader/protocol';

/** What a batch changed: the orders to store, the ids of orders placed and the cancel and amend answers. */
export interface OrderChanges {
  changed: OrderRecord[];
  placed: string[];
  cancels: CancelOutcome[];
  amends: AmendOutcome[];
  cancelAlls: CancelAllOutcome[];
  /** Every fill of the batch, in order: the orders' fill lists and the accounts' trade lists get them. */
  fills: OrderFill[];
}

/** One fill of an order in a batch. */
export interface OrderFill {
  /** The order's owner, when it has one. */
  account_id?: string;
  order_id: string;
  side: OrderRecord['side'];
  fill: FillRecord;
}

/**
 * Follows every order of one symbol through the engine's events as integer `OrderRecord`s (the
 * runner stores them in their compact form; readers render the `OrderView`). Open orders stay in
 * memory (and in the snapshot); finished ones are handed out once in the batch that finished
 * them and then forgotten.
 *
 * Deterministic like the core: the same commands and events give the same records.
 */
export class OrderRecords {
  private readonly open = new Map<string, OrderRecord>();
  /** Orders touched since the last `takeBatch`. */
  private changed = new Map<string, OrderRecord>();
  private placed: string[] = [];
  private cancels: CancelOutcome[] = [];
  private amends: AmendOutcome[] = [];
  private cancelAlls: CancelAllOutcome[] = [];
  private fills: OrderFill[] = [];
  /** Open order ids per account, oldest first. */
  private readonly byAccount = new Map<string, Set<string>>();

  /**
   * `fillsMax`: how many of its most recent fills each record keeps (`ENGINE_ORDER_FILLS_MAX`),
   * as the stored fill list does.
   */
  constructor(
    openOrders: OrderRecord[] = [],
    private readonly fillsMax: number = DEFAULT_ORDER_FILLS_MAX,
  ) {
    for (const o of openOrders) {
      this.open.set(o.order_id, o);
      this.index(o);
    }
  }

  /** The owner of an open order (undefined for an order that is not open, or has no owner). */
  ownerOf(orderId: string): string | undefined {
    return this.open.get(orderId)?.account_id;
  }

  /** The account's open orders on this symbol, oldest first. */
  openOf(accountId: string): string[] {
    return [...(this.byAccount.get(accountId) ?? [])];
  }

  private index(o: OrderRecord): void {
    if (o.account_id === undefined) return;
    let ids = this.byAccount.get(o.account_id);
    if (!ids) this.byAccount.set(o.account_id, (ids = new Set()));
    ids.add(o.order_id);
  }

  private unindex(o: OrderRecord): void {
    if (o.account_id === undefined) return;
    const ids = this.byAccount.get(o.account_id);
    ids?.delete(o.order_id);
    if (ids?.size === 0) this.byAccount.delete(o.account_id);
  }

  /** Applies one command and the events the core produced for it (adding the owners' account ids to them). */
  apply(cmd: TimedCommand, events: readonly EngineEvent[]): void {
    let fresh: OrderRecord | undefined;
    if (cmd.kind === 'place' && !this.open.has(cmd.order_id)) {
      fresh = acceptedOrder(cmd, cmd.ts);
    }
    for (const e of events) this.applyEvent(e, fresh);
    if (cmd.kind === 'cancel_all') {
      const ids: string[] = [];
      for (const e of events) if (e.kind === 'cancelled') ids.push(e.order_id);
      this.cancels = this.cancels.filter((c) => c.request_id !== cmd.request_id);
      this.cancelAlls.push({ request_id: cmd.request_id, order_ids: ids });
    }
  }

  private touch(o: OrderRecord, e: EngineEvent): void {
    o.updated_at = e.ts;
    o.seq = e.seq;
    this.changed.set(o.order_id, o);
    if (isFinished(o.status)) {
      this.open.delete(o.order_id);
      this.unindex(o);
    } else {
      this.open.set(o.order_id, o);
      this.index(o);
    }
  }

  private applyEvent(e: EngineEvent, fresh: OrderRecord | undefined): void {
    switch (e.kind) {
      case 'accepted': {
        if (!fresh || fresh.order_id !== e.order_id) return;
        if (fresh.account_id !== undefined) e.account_id = fresh.account_id;
        fresh.status = 'NEW';
        this.placed.push(e.order_id);
        this.touch(fresh, e);
        return;
      }
      case 'rejected': {
        // A duplicate order id must never overwrite the order that owns the id.
        if (e.code === 'DUPLICATE_ORDER_ID' || !fresh || fresh.order_id !== e.order_id) return;
        if (fresh.account_id !== undefined) e.account_id = fresh.account_id;
        fresh.status = 'REJECTED';
        fresh.reject_reason = e.code;
        if (!this.placed.includes(e.order_id)) this.placed.push(e.order_id);
        this.touch(fresh, e);
        return;
      }
      case 'trade': {
        const taker = this.open.get(e.taker_order_id)?.account_id;
        const maker = this.open.get(e.maker_order_id)?.account_id;
        if (taker !== undefined) e.taker_account_id = taker;
        if (maker !== undefined) e.maker_account_id = maker;
        this.fill(e.taker_order_id, e, 'taker', e.taker_fee, e.maker_order_id, e.taker_remaining_lots);
        this.fill(e.maker_order_id, e, 'maker', e.maker_fee, e.taker_order_id, e.maker_remaining_lots);
        return;
      }
      case 'rested':
        return;
      case 'cancelled': {
        const o = this.open.get(e.order_id);
        if (o) {
          if (o.account_id !== undefined) e.account_id = o.account_id;
          o.status = 'CANCELLED';
          o.cancel_reason = e.reason;
          this.touch(o, e);
        }
        if (e.request_id !== undefined) this.cancels.push({ request_id: e.request_id, order_id: e.order_id, ok: true });
        return;
      }
      case 'cancel_rejected':
        this.cancels.push({ request_id: e.request_id, order_id: e.order_id, ok: false, message: e.message });
        return;
      case 'book':
        return;
      case 'amended': {
        // The new size and price; a re-placed order's trades and status follow as events.
        const o = this.open.get(e.order_id);
        if (o) {
          o.qty_lots = e.qty_lots;
          o.price_ticks = e.price_ticks;
          this.touch(o, e);
        }
        this.amends.push({ request_id: e.request_id, order_id: e.order_id, ok: true, kept_priority: e.kept_priority });
        return;
      }
      case 'amend_rejected':
        this.amends.push({ request_id: e.request_id, order_id: e.order_id, ok: false, code: e.code, message: e.message });
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown engine event ${(never as { kind: string }).kind}`);
      }
    }
  }

  private fill(
    orderId: string,
    e: Extract<EngineEvent, { kind: 'trade' }>,
    liquidity: 'maker' | 'taker',
    fee: number,
    counter: string,
    remaining: number,
  ): void {
    const o = this.open.get(orderId);
    if (!o) throw new Error(`trade ${e.trade_id} for order ${orderId} that is not open`);
    o.filled_lots += e.qty_lots;
    o.notional = addNotional(o.notional, e.price_ticks, e.qty_lots);
    const fill: FillRecord = {
      exec_id: e.trade_id,
      price_ticks: e.price_ticks,
      qty_lots: e.qty_lots,
      fee,
      liquidity,
      counter_order_id: counter,
      ts: e.ts,
    };
    o.fills.push(fill);
    if (o.fills.length > this.fillsMax) o.fills.shift();
    o.fills_total += 1;
    o.fee_total += fee;
    this.fills.push({ account_id: o.account_id, order_id: orderId, side: o.side, fill });
    o.status = remaining === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    this.touch(o, e);
  }

  /**
   * Everything that changed since the previous call: the orders to store, the ids of orders
   * placed (for wait-mode answers) and the cancel outcomes. Clears the change set.
   */
  takeBatch(): OrderChanges {
    const out = { changed: [...this.changed.values()], placed: this.placed, cancels: this.cancels, amends: this.amends, cancelAlls: this.cancelAlls, fills: this.fills };
    this.changed = new Map();
    this.placed = [];
    this.cancels = [];
    this.amends = [];
    this.cancelAlls = [];
    this.fills = [];
    return out;
  }

  /** Open orders sharing the live records: only for encoding at once (no copies). */
  liveOpen(): OrderRecord[] {
    return [...this.open.values()];
  }

  get openCount(): number {
    return this.open.size;
  }
}

/**
 * `notional + priceTicks x lots` as a decimal string, exact: in doubles while every term is a
 * safe integer (the usual case, and much cheaper than bigints), else in bigints.
 */
export function addNotional(notional: string, priceTicks: number, lots: number): string {
  const sum = Number(notional) + priceTicks * lots;
  if (Number.isSafeInteger(sum) && notional.length < 16) return String(sum);
  return (BigInt(notional) + BigInt(priceTicks) * BigInt(lots)).toString();
}
