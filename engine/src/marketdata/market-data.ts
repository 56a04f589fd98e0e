import {
  INTERVALS,
  topicOf,
  decimalToNumber,
  type Candle,
  type CandlestickUpdate,
  type EngineEvent,
  type Interval,
  type MarketMessage,
  type MarketSpec,
  type MarketStatistics,
  type OrderBookSnapshot,
  type Trade,
  type TradeEvent,
  wireUnits,
  type WireUnits,
} from '@xtrader/protocol';
import { DepthBook, type LevelSteps } from './book';
import { CandleSeries, MAX_CANDLES, type CandleSeriesState, type CandleSteps } from './candles';
import { RollingStats, type RollingStatsState } from './stats';

/** How many recent trades the trade list keeps. */
export const MAX_TRADES = 1000;

/** Levels a side kept in `keys.depth` and sent in each OrderBookUpdate (REST `depth` max). */
export const DEPTH_LEVELS = 50;

/** Keeps the newest `max` items, trimming in chunks so that pushing stays O(1) amortised. */
function keepNewest<T>(items: T[], max: number): void {
  if (items.length > 2 * max) items.splice(0, items.length - max);
}

/** Everything MarketData needs to continue exactly where it was (JSON-serialisable). */
export interface MarketDataState {
  v: 1;
  /** Time of the last command (ms since epoch): market-data "now". */
  now: number;
  /** seq of the last engine event applied. */
  seq: number;
  candles: Record<Interval, CandleSeriesState>;
  stats: RollingStatsState;
  /** The whole aggregated book, best first. */
  bids: LevelSteps[];
  asks: LevelSteps[];
  /** Last `sequence` sent per topic, for the next message's `prev_sequence`. */
  topicSeq: Record<string, number>;
  /** The statistics figures last published, to skip an unchanged MarketStatistics. */
  published: { stats: string | null };
  /** Work of the current batch not yet flushed (empty right after a flush). */
  pending: {
    messages: MarketMessage[];
    trades: Trade[];
    closed: Partial<Record<Interval, CandleSteps[]>>;
    /** The top {@link DEPTH_LEVELS} levels changed. */
    bookChanged: boolean;
    statsChanged: boolean;
  };
}

/**
 * What one batch changed, as plain values: the runner's commit writer stores them and appends
 * the messages to the feed.
 */
export interface MarketDataChanges {
  /**
   * The realtime messages, in order: executions and candle closes as they happened, then the
   * open candles that changed, at most one OrderBookUpdate and at most one MarketStatistics.
   */
  messages: MarketMessage[];
  /** New trades for the trade list, oldest first (the newest {@link MAX_TRADES}). */
  trades: Trade[];
  /** Candles to store per interval, by open_time (closed ones, then the open one if it changed). */
  candles: { interval: Interval; candles: Candle[] }[];
  /** The top {@link DEPTH_LEVELS} levels a side, when they changed. */
  depth?: OrderBookSnapshot;
  /** The statistics, when a figure changed. */
  stats?: Omit<MarketStatistics, 'prev_sequence'>;
}

function emptyPending(): MarketDataState['pending'] {
  return { messages: [], trades: [], closed: {}, bookChanged: false, statsChanged: false };
}

/**
 * A symbol's market data, maintained by its single-writer engine: recent trades, candles in
 * every interval, rolling 24h statistics and the top of the book. Deterministic: time arrives
 * only through {@link advance} (each command's stream time) and events through {@link apply};
 * restoring a {@link snapshot} and replaying the same commands gives the same output.
 *
 * Pure: {@link takeChanges} hands out what a batch changed as plain values.
 */
export class MarketData {
  private readonly units: WireUnits;
  private readonly series: Record<Interval, CandleSeries>;
  private readonly stats: RollingStats;
  private readonly book: DepthBook;
  private now: number;
  private seq: number;
  private topicSeq: Record<string, number>;
  private published: MarketDataState['published'];
  private pending: MarketDataState['pending'];
  /** The executions topic (built once: emitted for every trade). */
  private readonly executionsTopic: string;
  /** The last trade time rendered as ISO text, and that text (trades often share a time). */
  private isoTs = Number.NaN;
  private iso = '';

  constructor(
    readonly spec: MarketSpec,
    state?: MarketDataState,
  ) {
    this.units = wireUnits(spec);
    const s: MarketDataState | undefined = state ? structuredClone(state) : undefined;
    if (s && s.v !== 1) throw new Error(`unsupported market data state version ${String(s.v)}`);
    this.series = Object.fromEntries(INTERVALS.map((i) => [i, new CandleSeries(i, s?.candles[i])])) as Record<Interval, CandleSeries>;
    this.stats = new RollingStats(s?.stats);
    this.book = DepthBook.fromLevels(s?.bids ?? [], s?.asks ?? []);
    this.now = s?.now ?? 0;
    this.seq = s?.seq ?? 0;
    this.topicSeq = s?.topicSeq ?? {};
    this.published = s?.published ?? { stats: null };
    this.pending = s?.pending ?? emptyPending();
    this.executionsTopic = topicOf({ type: 'Execution', symbol: spec.symbol } as MarketMessage);
  }

  /** seq of the last engine event applied. */
  get lastSequence(): number {
    return this.seq;
  }

  /** The top `n` levels a side in integer steps, best first (what `keys.depth` holds). */
  depth(n: number = DEPTH_LEVELS): { bids: LevelSteps[]; asks: LevelSteps[] } {
    return { bids: this.book.bids.top(n), asks: this.book.asks.top(n) };
  }

  /**
   * Moves market-data time to `ts` (a command's stream time, ms). Closes candles whose interval
   * ended (and fills idle intervals) and drops trades that left the 24h window. Time never goes
   * backwards: an earlier `ts` is ignored.
   */
  advance(ts: number): void {
    if (ts <= this.now) return;
    this.now = ts;
    for (const interval of INTERVALS) {
      const closed = this.series[interval].advance(ts);
      if (closed.length === 0) continue;
      const pendingClosed = (this.pending.closed[interval] ??= []);
      pendingClosed.push(...closed);
      // Storage keeps the newest MAX_CANDLES: older closes would be trimmed on arrival anyway.
      keepNewest(pendingClosed, MAX_CANDLES);
      for (const c of closed) this.emit(this.candleMessage(interval, c, true));
    }
    if (this.stats.advance(ts)) this.pending.statsChanged = true;
  }

  /** Applies one engine event (in the order the core emitted them). */
  apply(event: EngineEvent): void {
    this.advance(event.ts);
    if (event.seq > this.seq) this.seq = event.seq;
    switch (event.kind) {
      case 'trade':
        this.applyTrade(event);
        break;
      case 'book': {
        const rank = this.book.side(event.side).set(event.price_ticks, event.qty_lots);
        // A change below the published levels changes nothing anyone sees.
        if (rank >= 0 && rank < DEPTH_LEVELS) this.pending.bookChanged = true;
        break;
      }
      case 'accepted':
      case 'rejected':
      case 'rested':
      case 'cancelled':
      case 'cancel_rejected':
      case 'amended':
      case 'amend_rejected':
        break;
      default: {
        const never: never = event;
        throw new Error(`unknown engine event ${(never as { kind: string }).kind}`);
      }
    }
  }

  /** Ends a batch: what changed since the previous call (see {@link MarketDataChanges}). */
  takeChanges(): MarketDataChanges {
    const pending = this.pending;
    const candles: { interval: Interval; candles: Candle[] }[] = [];
    for (const interval of INTERVALS) {
      const series = this.series[interval];
      const toWrite = (pending.closed[interval] ?? []).slice(-MAX_CANDLES).map((c) => this.candle(interval, c));
      const open = series.state.open;
      if (open && series.state.openChanged) {
        series.state.openChanged = false;
        toWrite.push(this.candle(interval, open));
        this.emit(this.candleMessage(interval, open, false));
      }
      if (toWrite.length > 0) candles.push({ interval, candles: toWrite });
    }
    const depth = pending.bookChanged ? this.depthChange() : undefined;
    const stats = pending.statsChanged ? this.statsChange() : undefined;
    this.pending = emptyPending();
    return { messages: pending.messages, trades: pending.trades.slice(-MAX_TRADES), candles, ...(depth ? { depth } : {}), ...(stats ? { stats } : {}) };
  }

  /** The whole state, JSON-serialisable; `new MarketData(spec, state)` continues identically. */
  snapshot(): MarketDataState {
    return structuredClone({
      v: 1,
      now: this.now,
      seq: this.seq,
      candles: Object.fromEntries(INTERVALS.map((i) => [i, this.series[i].state])) as Record<Interval, CandleSeriesState>,
      stats: this.stats.state,
      bids: this.book.bids.all(),
      asks: this.book.asks.all(),
      topicSeq: this.topicSeq,
      published: this.published,
      pending: this.pending,
    } satisfies MarketDataState);
  }

  private applyTrade(e: TradeEvent): void {
    for (const interval of INTERVALS) this.series[interval].trade(e.ts, e.price_ticks, e.qty_lots);
    this.stats.trade(e.ts, e.price_ticks, e.qty_lots);
    this.pending.statsChanged = true;
    const price = this.units.price(e.price_ticks);
    const quantity = this.units.quantity(e.qty_lots);
    keepNewest(this.pending.trades, MAX_TRADES);
    this.pending.trades.push({
      exec_id: e.trade_id,
      symbol: this.spec.symbol,
      price,
      quantity,
      side: e.taker_side,
      timestamp: e.ts,
      sequence: e.seq,
    });
    this.emit({
      type: 'Execution',
      exec_id: e.trade_id,
      order_id: e.taker_order_id,
      maker_order_id: e.maker_order_id,
      symbol: this.spec.symbol,
      side: e.taker_side,
      price,
      quantity,
      fee: this.units.fee(e.taker_fee),
      maker_fee: this.units.fee(e.maker_fee),
      timestamp: e.ts,
      transaction_time: this.isoTime(e.ts),
      sequence: e.seq,
    });
  }

  private depthChange(): OrderBookSnapshot {
    const bids = this.book.bids.top(DEPTH_LEVELS).map(([p, q]) => this.level(p, q));
    const asks = this.book.asks.top(DEPTH_LEVELS).map(([p, q]) => this.level(p, q));
    const depth = { symbol: this.spec.symbol, bids, asks, timestamp: this.now, sequence: this.seq };
    this.emit({ type: 'OrderBookUpdate', ...depth });
    return depth;
  }

  private statsChange(): Omit<MarketStatistics, 'prev_sequence'> | undefined {
    const v = this.stats.view();
    const price = (ticks: number | null) => (ticks === null ? null : this.units.price(ticks));
    const figures = {
      last_price: price(v.last),
      price_change_24h: decimalToNumber({ mantissa: v.changeHundredths, scale: 2 }),
      volume_24h: this.units.quantity(v.volume),
      high_24h: price(v.high),
      low_24h: price(v.low),
      high_price_24h: price(v.high),
      low_price_24h: price(v.low),
    };
    const key = JSON.stringify(figures);
    if (key === this.published.stats) return undefined;
    this.published.stats = key;
    const stats: Omit<MarketStatistics, 'prev_sequence'> = {
      type: 'MarketStatistics',
      symbol: this.spec.symbol,
      timestamp: this.now,
      ...figures,
      sequence: this.seq,
    };
    this.emit({ ...stats });
    return stats;
  }

  private level(priceTicks: number, lots: number): [number, number] {
    return [this.units.price(priceTicks), this.units.quantity(lots)];
  }

  private candle(interval: Interval, c: CandleSteps): Candle {
    const ms = this.series[interval].ms;
    return {
      open_time: c.t,
      close_time: c.t + ms - 1,
      open: this.units.price(c.o),
      high: this.units.price(c.h),
      low: this.units.price(c.l),
      close: this.units.price(c.c),
      volume: this.units.quantity(c.v),
      trade_count: c.n,
    };
  }

  private candleMessage(interval: Interval, c: CandleSteps, closed: boolean): CandlestickUpdate {
    // `timestamp` (= open_time) is the field older clients read.
    return {
      type: 'CandlestickUpdate',
      symbol: this.spec.symbol,
      interval,
      candle: { ...this.candle(interval, c), timestamp: c.t },
      is_closed: closed,
      sequence: this.seq,
    };
  }

  private isoTime(ts: number): string {
    if (ts !== this.isoTs) {
      this.isoTs = ts;
      this.iso = new Date(ts).toISOString();
    }
    return this.iso;
  }

  /** Queues a message, chaining `prev_sequence` to the previous message on its topic. */
  private emit(msg: MarketMessage): void {
    const topic = msg.type === 'Execution' ? this.executionsTopic : topicOf(msg);
    msg.prev_sequence = this.topicSeq[topic] ?? 0;
    this.topicSeq[topic] = msg.sequence ?? this.seq;
    // Never trimmed: each one is a feed message the batch must publish. Recovery discards them
    // as it replays (the runner takes the changes of each replayed chunk and drops them).
    this.pending.messages.push(msg);
  }
}
