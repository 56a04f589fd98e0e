import {
  stepsToNumber,
  type Decimal,
  type EngineEvent,
  type MarketSpec,
  type OrderStatus,
  type OrderView,
  type PlaceCommand,
  type TimedCommand,
} from '@xtrader/protocol';

/** One fill as the runner keeps it: integers only, converted to decimals when rendered. */
interface FillRecord {
  exec_id: string;
  price_ticks: number;
  qty_lots: number;
  fee: number;
  liquidity: 'maker' | 'taker';
  counter_order_id: string;
  ts: number;
}

/** An order's state in integer units; JSON-serialisable (notional is a decimal string). */
export interface OrderRecord {
  order_id: string;
  client_order_id?: string;
  side: PlaceCommand['side'];
  type: PlaceCommand['type'];
  tif: PlaceCommand['tif'];
  price_ticks: number | null;
  qty_lots: number;
  filled_lots: number;
  /** Sum of price_ticks x lots over the fills, as a bigint string (exact average price). */
  notional: string;
  fills: FillRecord[];
  status: OrderStatus;
  reject_reason?: string;
  cancel_reason?: string;
  created_at: number;
  updated_at: number;
  seq: number;
}

/** The answer to one cancel request, as published to the api node that asked. */
export interface CancelResult {
  request_id: string;
  order_id: string;
  ok: boolean;
  message?: string;
}

const FINISHED: ReadonlySet<OrderStatus> = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

export function isFinished(status: OrderStatus): boolean {
  return FINISHED.has(status);
}

/**
 * Follows every order of one symbol through the engine's events and renders the stored
 * `OrderView`s. Open orders stay in memory (and in the snapshot); finished ones are handed out
 * once in the batch that finished them and then forgotten.
 *
 * Deterministic like the core: the same commands and events give the same records.
 */
export class OrderViews {
  private readonly open = new Map<string, OrderRecord>();
  /** Orders touched since the last `takeBatch`. */
  private changed = new Map<string, OrderRecord>();
  private placed: string[] = [];
  private cancels: CancelResult[] = [];

  constructor(
    private readonly spec: MarketSpec,
    openOrders: OrderRecord[] = [],
  ) {
    for (const o of openOrders) this.open.set(o.order_id, o);
  }

  /** Applies one command and the events the core produced for it. */
  apply(cmd: TimedCommand, events: readonly EngineEvent[]): void {
    let fresh: OrderRecord | undefined;
    if (cmd.kind === 'place' && !this.open.has(cmd.order_id)) {
      fresh = {
        order_id: cmd.order_id,
        ...(cmd.client_order_id !== undefined ? { client_order_id: cmd.client_order_id } : {}),
        side: cmd.side,
        type: cmd.type,
        tif: cmd.tif,
        price_ticks: cmd.price_ticks,
        qty_lots: cmd.qty_lots,
        filled_lots: 0,
        notional: '0',
        fills: [],
        status: 'ACCEPTED',
        created_at: cmd.ts,
        updated_at: cmd.ts,
        seq: 0,
      };
    }
    for (const e of events) this.applyEvent(e, fresh);
  }

  private touch(o: OrderRecord, e: EngineEvent): void {
    o.updated_at = e.ts;
    o.seq = e.seq;
    this.changed.set(o.order_id, o);
    if (isFinished(o.status)) this.open.delete(o.order_id);
    else this.open.set(o.order_id, o);
  }

  private applyEvent(e: EngineEvent, fresh: OrderRecord | undefined): void {
    switch (e.kind) {
      case 'accepted': {
        if (!fresh || fresh.order_id !== e.order_id) return;
        fresh.status = 'NEW';
        this.placed.push(e.order_id);
        this.touch(fresh, e);
        return;
      }
      case 'rejected': {
        // A duplicate order id must never overwrite the order that owns the id.
        if (e.code === 'DUPLICATE_ORDER_ID' || !fresh || fresh.order_id !== e.order_id) return;
        fresh.status = 'REJECTED';
        fresh.reject_reason = e.code;
        if (!this.placed.includes(e.order_id)) this.placed.push(e.order_id);
        this.touch(fresh, e);
        return;
      }
      case 'trade': {
        this.fill(e.taker_order_id, e, 'taker', e.taker_fee, e.maker_order_id, e.taker_remaining_lots);
        this.fill(e.maker_order_id, e, 'maker', e.maker_fee, e.taker_order_id, e.maker_remaining_lots);
        return;
      }
      case 'rested':
        return;
      case 'cancelled': {
        const o = this.open.get(e.order_id);
        if (o) {
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
    o.notional = (BigInt(o.notional) + BigInt(e.price_ticks) * BigInt(e.qty_lots)).toString();
    o.fills.push({
      exec_id: e.trade_id,
      price_ticks: e.price_ticks,
      qty_lots: e.qty_lots,
      fee,
      liquidity,
      counter_order_id: counter,
      ts: e.ts,
    });
    o.status = remaining === 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    this.touch(o, e);
  }

  /**
   * Everything that changed since the previous call: the orders to store, the ids of orders
   * placed (for wait-mode answers) and the cancel outcomes. Clears the change set.
   */
  takeBatch(): { changed: OrderRecord[]; placed: string[]; cancels: CancelResult[] } {
    const out = { changed: [...this.changed.values()], placed: this.placed, cancels: this.cancels };
    this.changed = new Map();
    this.placed = [];
    this.cancels = [];
    return out;
  }

  /** Open orders, for the snapshot (deep copies: the snapshot must not move with the live state). */
  snapshot(): OrderRecord[] {
    return [...this.open.values()].map((o) => ({ ...o, fills: o.fills.slice() }));
  }

  /** Open orders sharing the live records: only for serialising at once (no copies). */
  liveOpen(): OrderRecord[] {
    return [...this.open.values()];
  }

  get(orderId: string): OrderRecord | undefined {
    return this.open.get(orderId);
  }

  get openCount(): number {
    return this.open.size;
  }

  /** The public view of an order (SPEC §3). */
  view(o: OrderRecord, symbol: string = this.spec.symbol): OrderView {
    return renderOrderView(this.spec, o, symbol);
  }
}

/**
 * `count` steps as a JSON number, fast: `count x mantissa / 10^scale` is one correctly rounded
 * division of two exact doubles, i.e. the same double as parsing the exact decimal string. Falls
 * back to the protocol's string conversion when the product is not a safe integer.
 */
function stepConverter(step: Decimal): (count: number) => number {
  const mantissa = Number(step.mantissa);
  const divisor = 10 ** step.scale;
  if (!Number.isSafeInteger(mantissa) || step.scale > 22) return (count) => stepsToNumber(count, step);
  return (count) => {
    const n = count * mantissa;
    return Number.isSafeInteger(n) ? n / divisor : stepsToNumber(count, step);
  };
}

const converters = new WeakMap<MarketSpec, { price: (n: number) => number; qty: (n: number) => number; fee: (n: number) => number }>();
function unitsOf(spec: MarketSpec) {
  let c = converters.get(spec);
  if (!c) converters.set(spec, (c = { price: stepConverter(spec.tick), qty: stepConverter(spec.lot), fee: stepConverter(spec.feeUnit) }));
  return c;
}

/** Renders a record as the wire `OrderView`, decimals exact. */
export function renderOrderView(spec: MarketSpec, o: OrderRecord, symbol: string = spec.symbol): OrderView {
  const { price, qty, fee } = unitsOf(spec);
  return {
    order_id: o.order_id,
    ...(o.client_order_id !== undefined ? { client_order_id: o.client_order_id } : {}),
    symbol,
    side: o.side,
    type: o.type,
    time_in_force: o.tif,
    price: o.price_ticks === null ? null : price(o.price_ticks),
    quantity: qty(o.qty_lots),
    filled_quantity: qty(o.filled_lots),
    remaining_quantity: qty(o.qty_lots - o.filled_lots),
    average_price: averagePrice(spec, o),
    status: o.status,
    ...(o.reject_reason !== undefined ? { reject_reason: o.reject_reason } : {}),
    ...(o.cancel_reason !== undefined ? { cancel_reason: o.cancel_reason } : {}),
    fills: o.fills.map((f) => ({
      exec_id: f.exec_id,
      price: price(f.price_ticks),
      quantity: qty(f.qty_lots),
      fee: fee(f.fee),
      liquidity: f.liquidity,
      counter_order_id: f.counter_order_id,
      timestamp: f.ts,
    })),
    created_at: o.created_at,
    updated_at: o.updated_at,
    sequence: o.seq,
  };
}

/** Volume-weighted average fill price; exact when it falls on a tick, else the nearest double. */
function averagePrice(spec: MarketSpec, o: OrderRecord): number | null {
  if (o.filled_lots === 0) return null;
  const notional = BigInt(o.notional);
  const filled = BigInt(o.filled_lots);
  const { price } = unitsOf(spec);
  if (notional % filled === 0n) return price(Number(notional / filled));
  return (Number(notional) / o.filled_lots) * price(1);
}
