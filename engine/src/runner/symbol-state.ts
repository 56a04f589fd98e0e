import { decodeOrderState, orderStateOf, type EngineEvent, type MarketSpec, type StoredOrderState, type TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../core';
import { InvalidCommandError } from '../core/errors';
import { MarketData, type MarketDataState } from '../marketdata';
import { decodeEntry, type RawEntry } from './commands';
import { OrderRecords, type OrderRecord } from './order-records';

export type CoreSnapshot = ReturnType<MatchingCore['snapshot']>;

/** An open order in a snapshot: its stored state and its times. */
export type SnapshotOrder = [state: StoredOrderState, created_at: number, updated_at: number];

/**
 * What `keys.snapshot` holds: everything needed to continue after `position` without replaying
 * it. Version 4 keeps the open orders in their compact stored form (far fewer bytes than v1's
 * record objects, the bulk of a snapshot), without their fills (those are in each order's stored
 * fill list), so a snapshot grows with the book, not with how often its orders filled; v1 to v3
 * snapshots are still restored.
 */
export interface EngineSnapshot {
  v: 4;
  symbol: string;
  /** Id of the last command reflected here. */
  position: string;
  core: CoreSnapshot;
  md: MarketDataState;
  orders: SnapshotOrder[];
}

/** Version 1, with open orders as record objects. */
export type EngineSnapshotV1 = Omit<EngineSnapshot, 'v' | 'orders'> & { v: 1; orders: OrderRecord[] };
/** Version 2, with open orders as one array each, the times in the middle. */
export type EngineSnapshotV2 = Omit<EngineSnapshot, 'v' | 'orders'> & { v: 2; orders: unknown[][] };
/** Version 3, with each open order's fills inside its state (where v4 has their count and fees). */
export type EngineSnapshotV3 = Omit<EngineSnapshot, 'v' | 'orders'> & { v: 3; orders: [state: unknown[], created_at: number, updated_at: number][] };

/** A v2/v3 state array (fills as an array at index 13) as a v4 state: their count and fees instead. */
function stateFromV3(a: unknown[]): StoredOrderState {
  const fills = a[13] as [string, number, number, number, ...unknown[]][];
  let fees = 0;
  for (const f of fills) fees += f[3];
  return [...a.slice(0, 13), fills.length, fees, ...a.slice(14)] as StoredOrderState;
}

function snapshotOrders(snap: EngineSnapshot | EngineSnapshotV1 | EngineSnapshotV2 | EngineSnapshotV3): OrderRecord[] {
  switch (snap.v) {
    case 1:
      return snap.orders.map((o) => decodeOrderState(orderStateOf({ ...o, fills_total: o.fills.length, fee_total: o.fills.reduce((sum, f) => sum + f.fee, 0) }), o.created_at, o.updated_at, o.fills));
    case 2:
      return snap.orders.map((a) => decodeOrderState(stateFromV3([...a.slice(0, 12), ...a.slice(14)]), a[12] as number, a[13] as number));
    case 3:
      return snap.orders.map(([state, created, updated]) => decodeOrderState(stateFromV3(state), created, updated));
    case 4:
      return snap.orders.map(([state, created, updated]) => decodeOrderState(state, created, updated));
    default:
      throw new Error(`unsupported snapshot version ${String((snap as { v: unknown }).v)}`);
  }
}

/** The outcome of applying one stream entry. */
export interface Applied {
  id: string;
  ts: number;
  events: EngineEvent[];
  /** Set when the entry was skipped (malformed, or refused by the core's contract checks). */
  error?: string;
}

/**
 * One symbol's in-memory engine state: the matching core, market data and order records, with the
 * id of the last command applied. Pure: applying the same entries to the same state gives the
 * same events, which is what makes replay after a crash safe.
 */
export class SymbolState {
  private constructor(
    readonly spec: MarketSpec,
    readonly core: MatchingCore,
    readonly md: MarketData,
    readonly orders: OrderRecords,
    public position: string,
  ) {}

  /** `orderFillsMax`: how many recent fills each order record keeps (`ENGINE_ORDER_FILLS_MAX`). */
  static fresh(spec: MarketSpec, orderFillsMax?: number): SymbolState {
    return new SymbolState(spec, new MatchingCore(spec), new MarketData(spec), new OrderRecords([], orderFillsMax), '0-0');
  }

  static fromSnapshot(spec: MarketSpec, snap: EngineSnapshot | EngineSnapshotV1 | EngineSnapshotV2 | EngineSnapshotV3, orderFillsMax?: number): SymbolState {
    if (snap.symbol !== spec.symbol) throw new Error(`snapshot is for ${snap.symbol}, not ${spec.symbol}`);
    const orders = snapshotOrders(snap);
    return new SymbolState(spec, MatchingCore.restore(spec, snap.core), new MarketData(spec, snap.md), new OrderRecords(orders, orderFillsMax), snap.position);
  }

  /** Applies one stream entry (the position moves past it even when it is skipped). */
  applyEntry(entry: RawEntry): Applied {
    return this.enter(entry, false);
  }

  /**
   * Moves past one stream entry without applying it: the runner's answer to a command whose
   * application failed on every try (a poison command). Nothing of it reaches the book; its
   * sender gets the core's ENGINE_ERROR refusal (a place ends REJECTED), in the event sequence,
   * so a replay that skips the same entries gives the same events.
   */
  skipEntry(entry: RawEntry): Applied {
    return this.enter(entry, true);
  }

  private enter(entry: RawEntry, refuse: boolean): Applied {
    const id = entry[0];
    this.position = id;
    const decoded = decodeEntry(entry);
    if (!decoded.ok) return { id, ts: 0, events: [], error: decoded.error };
    const cmd = decoded.cmd;
    this.md.advance(cmd.ts);
    let events: EngineEvent[];
    try {
      events = refuse ? this.core.refuse(cmd) : this.applyToCore(cmd);
    } catch (e) {
      // The core checks the command before changing anything, so skipping it keeps state valid.
      if (e instanceof InvalidCommandError) return { id, ts: cmd.ts, events: [], error: `entry ${id}: ${e.message}` };
      throw e;
    }
    for (const ev of events) this.md.apply(ev);
    this.orders.apply(cmd, events);
    return { id, ts: cmd.ts, events };
  }

  /**
   * The core's events for one command. Ownership is decided here, where the orders' owners are
   * known: a cancel from an account that does not own the order is refused exactly as an unknown
   * id is, and a cancel-all becomes one cancel per open order of the account, oldest first.
   */
  private applyToCore(cmd: TimedCommand): EngineEvent[] {
    if (cmd.kind === 'cancel' && cmd.account_id !== undefined) {
      const owner = this.orders.ownerOf(cmd.order_id);
      if (owner !== cmd.account_id) return this.core.rejectCancel(cmd);
    }
    if (cmd.kind === 'amend' && cmd.account_id !== undefined) {
      const owner = this.orders.ownerOf(cmd.order_id);
      if (owner !== cmd.account_id) return this.core.rejectAmend(cmd);
    }
    if (cmd.kind === 'cancel_all') {
      const events: EngineEvent[] = [];
      for (const id of this.orders.openOf(cmd.account_id)) {
        for (const e of this.core.apply({ v: 1, kind: 'cancel', order_id: id, request_id: cmd.request_id, account_id: cmd.account_id, ts: cmd.ts })) events.push(e);
      }
      return events;
    }
    return this.core.apply(cmd);
  }

  /** Everything needed to continue after `position` (what `keys.snapshot` holds, as JSON). */
  snapshot(): EngineSnapshot {
    return { v: 4, symbol: this.spec.symbol, position: this.position, core: this.core.snapshot(), md: this.md.snapshot(), orders: this.openOrders() };
  }

  private openOrders(): SnapshotOrder[] {
    return this.orders.liveOpen().map((o) => [orderStateOf(o), o.created_at, o.updated_at]);
  }
}
