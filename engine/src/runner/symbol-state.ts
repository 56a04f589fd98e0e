import { decodeOrderState, encodeOrderState, orderStateOf, type EngineEvent, type MarketSpec, type StoredOrderState } from '@xtrader/protocol';
import { MatchingCore } from '../core';
import { InvalidCommandError } from '../core/errors';
import { MarketData, type MarketDataState } from '../marketdata';
import { decodeEntry, type RawEntry } from './commands';
import { OrderViews, type OrderRecord } from './order-views';

export type CoreSnapshot = ReturnType<MatchingCore['snapshot']>;

/**
 * What `keys.snapshot` holds: everything needed to continue after `position` without replaying
 * it. Version 2 keeps the open orders in their compact stored form (half the bytes of v1's
 * record objects, the bulk of a snapshot); v1 snapshots are still restored.
 */
export interface EngineSnapshot {
  v: 2;
  symbol: string;
  /** Id of the last command reflected here. */
  position: string;
  core: CoreSnapshot;
  md: MarketDataState;
  orders: StoredOrderState[];
}

/** The previous version, with open orders as record objects. */
export type EngineSnapshotV1 = Omit<EngineSnapshot, 'v' | 'orders'> & { v: 1; orders: OrderRecord[] };

/** The outcome of applying one stream entry. */
export interface Applied {
  id: string;
  ts: number;
  events: EngineEvent[];
  /** Set when the entry was skipped (malformed, or refused by the core's contract checks). */
  error?: string;
}

/**
 * One symbol's in-memory engine state: the matching core, market data and order views, with the
 * id of the last command applied. Pure: applying the same entries to the same state gives the
 * same events, which is what makes replay after a crash safe.
 */
export class SymbolState {
  private constructor(
    readonly spec: MarketSpec,
    readonly core: MatchingCore,
    readonly md: MarketData,
    readonly views: OrderViews,
    public position: string,
  ) {}

  static fresh(spec: MarketSpec): SymbolState {
    return new SymbolState(spec, new MatchingCore(spec), new MarketData(spec), new OrderViews(), '0-0');
  }

  static fromSnapshot(spec: MarketSpec, snap: EngineSnapshot | EngineSnapshotV1): SymbolState {
    if ((snap.v !== 1 && snap.v !== 2) || snap.symbol !== spec.symbol) throw new Error(`snapshot is for ${snap.symbol} v${String(snap.v)}, not ${spec.symbol}`);
    const orders = snap.v === 1 ? snap.orders : snap.orders.map(decodeOrderState);
    return new SymbolState(spec, MatchingCore.restore(spec, snap.core), new MarketData(spec, snap.md), new OrderViews(orders), snap.position);
  }

  /** Applies one stream entry (the position moves past it even when it is skipped). */
  applyEntry(entry: RawEntry): Applied {
    const id = entry[0];
    this.position = id;
    const decoded = decodeEntry(entry);
    if (!decoded.ok) return { id, ts: 0, events: [], error: decoded.error };
    const cmd = decoded.cmd;
    this.md.advance(cmd.ts);
    let events: EngineEvent[];
    try {
      events = this.core.apply(cmd);
    } catch (e) {
      // The core checks the command before changing anything, so skipping it keeps state valid.
      if (e instanceof InvalidCommandError) return { id, ts: cmd.ts, events: [], error: `entry ${id}: ${e.message}` };
      throw e;
    }
    for (const ev of events) this.md.apply(ev);
    this.views.apply(cmd, events);
    return { id, ts: cmd.ts, events };
  }

  /**
   * `JSON.stringify(this.snapshot())` without the deep copies `snapshot` makes of the market
   * data and the open orders: serialised at once, so nothing can move underneath it.
   */
  snapshotJson(): string {
    const head: Omit<EngineSnapshot, 'orders'> = {
      v: 2,
      symbol: this.spec.symbol,
      position: this.position,
      core: this.core.snapshot(),
      md: this.md.liveState(),
    };
    // `orders` is the last key: the open orders (the bulk of a snapshot) are spliced in as the
    // text encodeOrderState writes for them, the same bytes JSON.stringify gives their stored form.
    let orders = '';
    for (const o of this.views.liveOpen()) orders += orders === '' ? encodeOrderState(o) : `,${encodeOrderState(o)}`;
    return `${JSON.stringify(head).slice(0, -1)},"orders":[${orders}]}`;
  }

  snapshot(): EngineSnapshot {
    return {
      v: 2,
      symbol: this.spec.symbol,
      position: this.position,
      core: this.core.snapshot(),
      md: this.md.snapshot(),
      orders: this.views.liveOpen().map(orderStateOf),
    };
  }
}
