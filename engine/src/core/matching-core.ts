import type {
  AcceptedEvent,
  AmendCommand,
  AmendedEvent,
  AmendRejectCode,
  BookEvent,
  CancelCommand,
  CancelledEvent,
  CancelReason,
  EngineEvent,
  MarketSpec,
  PlaceCommand,
  RejectCode,
  RejectedEvent,
  SelfTradePrevention,
  Side,
  TimedCommand,
  TradeEvent,
} from '@xtrader/protocol';
import { ENGINE_ERROR, ENGINE_ERROR_MESSAGE } from '@xtrader/protocol';
import { BookSide } from './book-side';
import { Budget } from './budget';
import { InvalidCommandError, InvalidSnapshotError } from './errors';
import { FeeRate } from './fees';
import { ABSENT, hashId, IdIndex } from './id-index';
import { NONE, OrderPool, PriceLevel } from './price-level';
import { RecentIds } from './recent-ids';
import { TradeIds } from './trade-ids';
import type { CoreSnapshot, SnapshotLevel, SnapshotOrder } from './snapshot';

/**
 * Self-trade prevention modes as small integers: a resting order's owner is kept as
 * `account index x 4 + mode` (account index 0: an order without an account, which never meets
 * itself).
 */
const STP_NONE = 0;
const STP_EXPIRE_TAKER = 1;
const STP_EXPIRE_MAKER = 2;
const STP_EXPIRE_BOTH = 3;
const STP_CODES: Record<SelfTradePrevention, number> = { NONE: STP_NONE, EXPIRE_TAKER: STP_EXPIRE_TAKER, EXPIRE_MAKER: STP_EXPIRE_MAKER, EXPIRE_BOTH: STP_EXPIRE_BOTH };
const STP_NAMES: SelfTradePrevention[] = ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'];

/** How many finished order ids the core remembers to reject duplicates (see README). */
export const RECENT_ID_CAPACITY = 10_000;

export interface MatchingCoreOptions {
  /** Finished order ids remembered for duplicate detection; default {@link RECENT_ID_CAPACITY}. */
  recentIdCapacity?: number;
  /** Width in ticks of each side's price window (see BookSide); default 2^17. Answers never depend on it. */
  priceWindowTicks?: number;
}

/** The top of the book, best level first on each side, as [priceTicks, totalLots]. */
export interface BookDepth {
  bids: [number, number][];
  asks: [number, number][];
}

const REJECT_MESSAGES: Record<RejectCode, string> = {
  DUPLICATE_ORDER_ID: 'this order id was already used',
  POST_ONLY_WOULD_CROSS: 'post-only order would take liquidity',
  FOK_CANNOT_FILL: 'fill-or-kill order cannot be filled completely',
  ENGINE_ERROR: ENGINE_ERROR_MESSAGE,
};
const NOT_FOUND_MESSAGE = 'order is not resting on the book (unknown, filled or cancelled)';
const AMEND_REJECT_MESSAGES: Record<AmendRejectCode, string> = {
  ORDER_NOT_FOUND: NOT_FOUND_MESSAGE,
  NOTHING_CHANGED: 'the amend asks for the price and quantity the order already has',
  QUANTITY_NOT_ABOVE_FILLED: 'the new quantity must be more than what has already filled',
  INVALID_QUANTITY: 'quantity must be a positive whole number of lots',
  INVALID_PRICE: 'price must be a positive whole number of ticks',
  POST_ONLY_WOULD_CROSS: 'post-only order would take liquidity at the new price',
  ENGINE_ERROR: ENGINE_ERROR_MESSAGE,
};

/**
 * The matching engine of one symbol: a price-time priority order book that turns commands into
 * events. Pure, deterministic and synchronous: time comes on each command, the event sequence
 * is part of the state (and of the snapshot), and nothing here does I/O. See README.md for the
 * exact semantics and event order.
 */
export class MatchingCore {
  private readonly pool = new OrderPool();
  private readonly bids: BookSide;
  private readonly asks: BookSide;
  /** Resting order id -> its handle in the pool. */
  private readonly restingIds = new IdIndex(this.pool.ids);
  /** The finished-id memory (oldest first, for snapshots and forgetting) ... */
  private readonly recent: RecentIds;
  /**
   * ... and the same ids indexed (id -> position in the ring), for the duplicate check. Apart from
   * the resting orders' index: it stays small enough to sit in cache, and forgetting an id never
   * touches the big index.
   */
  private readonly finishedIds: IdIndex;
  private readonly takerFee: FeeRate;
  private readonly makerFee: FeeRate;
  private readonly tradeIds: TradeIds;
  /**
   * The opposite side's levels the order being placed swept, best first (for their book events).
   * One array reused by every command (entries past the current command's count are stale):
   * nothing is allocated per command but the events.
   */
  private readonly swept: PriceLevel[] = [];
  /** How many entries of `swept` the current command filled. */
  private sweptCount = 0;
  /** Why `match` stopped before the taker's quantity or the book ran out (self-trade prevention), if it did. */
  private matchEnded: CancelReason | undefined = undefined;
  private seq = 0;
  /**
   * Accounts of resting orders, for self-trade prevention: index by id (from 1) and id by index.
   * An account gets its index when its first order rests; an account with none has no order a
   * taker could meet.
   */
  private readonly accountIndex = new Map<string, number>();
  private readonly accountNames: string[] = [''];
  /** By pool handle: the resting order's account index x 4 + its STP mode (0: no account). */
  private readonly owners: number[] = [];
  /** The quote budget of the Market Buy being placed, when it has one. */
  private readonly budget: Budget;

  constructor(
    readonly spec: MarketSpec,
    options: MatchingCoreOptions = {},
  ) {
    this.bids = new BookSide('Buy', this.pool, options.priceWindowTicks);
    this.asks = new BookSide('Sell', this.pool, options.priceWindowTicks);
    this.recent = new RecentIds(options.recentIdCapacity ?? RECENT_ID_CAPACITY);
    this.finishedIds = new IdIndex(this.recent.ring);
    this.takerFee = new FeeRate(spec, spec.takerRate);
    this.makerFee = new FeeRate(spec, spec.makerRate);
    this.tradeIds = new TradeIds(`${spec.symbol}-`);
    this.budget = new Budget(spec, this.takerFee);
  }

  /** The owner word of an order of `accountId` (see {@link owners}); the account gets an index if it has none. */
  private ownerWord(accountId: string | undefined, stp: number): number {
    if (accountId === undefined) return 0;
    let index = this.accountIndex.get(accountId);
    if (index === undefined) {
      index = this.accountNames.length;
      this.accountNames.push(accountId);
      this.accountIndex.set(accountId, index);
    }
    return index * 4 + stp;
  }

  /** Sequence of the last event emitted (0 before the first event). */
  get lastSequence(): number {
    return this.seq;
  }

  /** Number of orders resting on the book. */
  get openOrders(): number {
    return this.restingIds.size;
  }

  /** Records that `id` (not resting) is finished; forgets the oldest finished id when the memory is full. */
  private finish(id: string, hash: number): void {
    const recent = this.recent;
    if (recent.isFull) this.finishedIds.remove(recent.hashAt(recent.oldest), recent.oldest);
    this.finishedIds.add(hash, recent.push(id, hash));
  }

  /** Records that a resting order, already unlinked from its level (handle released), is finished. */
  private finishResting(id: string, hash: number, handle: number): void {
    this.restingIds.remove(hash, handle);
    this.finish(id, hash);
  }

  /** Whether `id` rests on the book or is in the finished-id memory. */
  private isKnown(id: string, hash: number): boolean {
    return this.restingIds.get(id, hash) !== ABSENT || this.finishedIds.get(id, hash) !== ABSENT;
  }

  /** Applies one command and returns the events it caused, in order. */
  apply(cmd: TimedCommand): EngineEvent[] {
    if (!Number.isSafeInteger(cmd.ts)) throw new InvalidCommandError(`command time ${cmd.ts} is not an integer`);
    switch (cmd.kind) {
      case 'place':
        return this.place(cmd, cmd.ts);
      case 'cancel':
        return this.cancel(cmd, cmd.ts);
      case 'amend':
        return this.amend(cmd, cmd.ts);
      case 'clock':
        return [];
      case 'cancel_all':
        // The core knows no accounts: the symbol state turns it into one cancel per order.
        throw new InvalidCommandError('cancel_all reaches the core as one cancel per order');
      default: {
        const unknown: never = cmd;
        throw new InvalidCommandError(`unknown command kind ${(unknown as { kind: unknown }).kind}`);
      }
    }
  }

  /**
   * Refuses a cancel as if the order were unknown (the runner's answer to a cancel from an account
   * that does not own the order): the same event an unknown id gets, in the event sequence.
   */
  rejectCancel(cmd: CancelCommand & { ts: number }): EngineEvent[] {
    return [{ v: 1, seq: ++this.seq, ts: cmd.ts, kind: 'cancel_rejected', order_id: cmd.order_id, request_id: cmd.request_id, code: 'ORDER_NOT_FOUND', message: NOT_FOUND_MESSAGE }];
  }

  /** Refuses an amend as if the order were unknown (from an account that does not own it). */
  rejectAmend(cmd: AmendCommand & { ts: number }): EngineEvent[] {
    return [this.amendRejected(cmd.ts, cmd, 'ORDER_NOT_FOUND')];
  }

  /**
   * The refusal of a command the runner skips because applying it failed on every try (its
   * ENGINE_ERROR answer, in the event sequence): a place is rejected, a cancel or an amend
   * refused; a cancel-all or a clock command gets no event. Changes nothing but the sequence.
   */
  refuse(cmd: TimedCommand): EngineEvent[] {
    switch (cmd.kind) {
      case 'place':
        return [this.rejected(cmd.ts, cmd.order_id, ENGINE_ERROR)];
      case 'cancel':
        return [{ v: 1, seq: ++this.seq, ts: cmd.ts, kind: 'cancel_rejected', order_id: cmd.order_id, request_id: cmd.request_id, code: ENGINE_ERROR, message: ENGINE_ERROR_MESSAGE }];
      case 'amend':
        return [this.amendRejected(cmd.ts, cmd, ENGINE_ERROR)];
      default:
        return [];
    }
  }

  /** The best `n` levels of each side. */
  depth(n: number): BookDepth {
    return { bids: this.bids.depth(n), asks: this.asks.depth(n) };
  }

  private place(cmd: PlaceCommand, ts: number): EngineEvent[] {
    checkPlace(cmd);
    const id = cmd.order_id;
    const hash = hashId(id);
    if (this.isKnown(id, hash)) return [this.rejected(ts, id, 'DUPLICATE_ORDER_ID')];

    const isBuy = cmd.side === 'Buy';
    const own = isBuy ? this.bids : this.asks;
    const opposite = isBuy ? this.asks : this.bids;
    const isMarket = cmd.type === 'Market';
    // Levels of the opposite side with sortKey <= limitKey are at acceptable prices.
    const limitKey = isMarket ? Infinity : opposite.keyOf(cmd.price_ticks!);
    const tif = cmd.tif;

    if (tif === 'POST_ONLY' && (isMarket || (opposite.best !== undefined && opposite.best.sortKey <= limitKey))) {
      this.finish(id, hash);
      return [this.rejected(ts, id, 'POST_ONLY_WOULD_CROSS')];
    }
    const stp = cmd.account_id === undefined ? STP_NONE : STP_CODES[cmd.self_trade_prevention ?? 'EXPIRE_MAKER'];
    // The account index the taker must not trade with (0: none). An account without an index has
    // no resting order.
    const self = stp === STP_NONE ? 0 : (this.accountIndex.get(cmd.account_id!) ?? 0);
    const hasBudget = cmd.quote_quantity !== undefined || cmd.spend_limit !== undefined;
    if (hasBudget) this.budget.start(id, cmd.quote_quantity, cmd.spend_limit);
    if (tif === 'FOK') {
      if (!opposite.canFill(cmd.qty_lots, limitKey) || ((self !== 0 || hasBudget) && !this.wouldFill(opposite, cmd.qty_lots, limitKey, self, stp, hasBudget))) {
        this.finish(id, hash);
        return [this.rejected(ts, id, 'FOK_CANNOT_FILL')];
      }
      if (hasBudget) this.budget.start(id, cmd.quote_quantity, cmd.spend_limit);
    }

    const events: EngineEvent[] = [this.accepted(ts, cmd)];
    const remaining = this.match(events, ts, id, cmd.side, cmd.qty_lots, limitKey, opposite, (self << 2) | stp, hasBudget);
    const ended = this.matchEnded;

    let restLevel: PriceLevel | undefined;
    if (remaining === 0) {
      this.finish(id, hash);
    } else if (ended !== undefined) {
      this.finish(id, hash);
      events.push(this.cancelled(ts, id, remaining, ended, undefined));
    } else if (!isMarket && (tif === 'GTC' || tif === 'POST_ONLY')) {
      restLevel = this.rest(events, ts, own, id, hash, cmd.price_ticks!, remaining, cmd.qty_lots, tif === 'POST_ONLY', this.ownerWord(cmd.account_id, stp));
    } else {
      this.finish(id, hash);
      events.push(this.cancelled(ts, id, remaining, isMarket ? 'no_liquidity' : 'ioc_remainder', undefined));
    }
    this.pushBookEvents(events, ts, restLevel);
    return events;
  }

  /**
   * Trades `lots` of the taker `takerId` against `opposite` at levels with sortKey <= limitKey,
   * best price first and oldest order first; appends a trade event per fill and notes the levels
   * swept (for their book events). Returns the taker's remaining lots. Places and amends share it
   * (a copy written out in `place` was no faster in a same-run A/B). With `hasBudget`, the budget
   * the place started stops it before a fill it cannot pay for.
   */
  private match(events: EngineEvent[], ts: number, takerId: string, takerSide: Side, lots: number, limitKey: number, opposite: BookSide, owner: number, hasBudget = false): number {
    const swept = this.swept;
    let sweptCount = 0;
    let remaining = lots;
    let level = opposite.best;
    const pool = this.pool;
    const owners = this.owners;
    const stp = owner & 3;
    const self = stp === STP_NONE ? 0 : owner >>> 2;
    let ended: CancelReason | undefined;
    let levelLots = 0;
    while (remaining > 0 && level !== undefined && level.sortKey <= limitKey) {
      swept[sweptCount++] = level;
      levelLots = level.totalLots;
      let maker = level.head;
      while (maker !== NONE) {
        if (self !== 0 && owners[maker] >>> 2 === self) {
          if (stp !== STP_EXPIRE_TAKER) maker = this.expireMaker(events, ts, level, maker);
          if (stp === STP_EXPIRE_MAKER) continue;
          ended = 'SELF_TRADE_PREVENTION';
          break;
        }
        const makerLots = pool.lots(maker);
        let fill = remaining < makerLots ? remaining : makerLots;
        if (hasBudget) {
          const affordable = this.budget.affordable(level.priceTicks, fill);
          if (affordable < fill) {
            ended = 'budget_spent';
            if (affordable === 0) break;
            fill = affordable;
          }
          this.budget.spend(level.priceTicks, fill);
        }
        remaining -= fill;
        const makerLeft = level.reduce(maker, fill);
        const makerId = pool.ids[maker];
        events.push(this.trade(ts, takerId, takerSide, makerId, makerLeft, level.priceTicks, fill, remaining));
        if (makerLeft !== 0) break; // partly filled maker: the taker is done
        const next = pool.next(maker);
        const makerHash = pool.hash(maker);
        level.remove(maker);
        this.finishResting(makerId, makerHash, maker);
        maker = next;
        if (remaining === 0) break;
      }
      if (!level.isEmpty) break;
      opposite.emptied(level);
      if (ended !== undefined) break;
      level = opposite.best;
    }
    if (ended !== undefined && swept[sweptCount - 1].totalLots === levelLots) sweptCount--;
    this.sweptCount = sweptCount;
    this.matchEnded = remaining === 0 ? undefined : ended;
    return remaining;
  }

  /**
   * Cancels a resting order its own account's taker met (self-trade prevention), appending its
   * `cancelled` event; returns the next order of its level.
   */
  private expireMaker(events: EngineEvent[], ts: number, level: PriceLevel, maker: number): number {
    const pool = this.pool;
    const next = pool.next(maker);
    const lots = pool.lots(maker);
    const makerId = pool.ids[maker];
    const makerHash = pool.hash(maker);
    level.remove(maker);
    this.finishResting(makerId, makerHash, maker);
    events.push(this.cancelled(ts, makerId, lots, 'SELF_TRADE_PREVENTION', undefined));
    return next;
  }

  /**
   * Whether a fill-or-kill taker that self-trade prevention or a budget may stop early would fill
   * all of `lots`: the match walked order by order without changing anything (the level totals of
   * `canFill` count orders it would expire instead of trade, and lots it could not pay for).
   * Leaves the budget spent: the caller starts it again.
   */
  private wouldFill(opposite: BookSide, lots: number, limitKey: number, self: number, stp: number, hasBudget: boolean): boolean {
    const pool = this.pool;
    let needed = lots;
    for (let level = opposite.best; level !== undefined && level.sortKey <= limitKey; level = opposite.after(level)) {
      for (let h = level.head; h !== NONE; h = pool.next(h)) {
        if (self !== 0 && this.owners[h] >>> 2 === self) {
          if (stp === STP_EXPIRE_MAKER) continue;
          return false;
        }
        const orderLots = pool.lots(h);
        const fill = needed < orderLots ? needed : orderLots;
        if (hasBudget) {
          if (this.budget.affordable(level.priceTicks, fill) < fill) return false;
          this.budget.spend(level.priceTicks, fill);
        }
        needed -= fill;
        if (needed === 0) return true;
      }
    }
    return false;
  }

  /** Rests an order's remainder on its side and appends its `rested` event; returns the level. */
  private rest(events: EngineEvent[], ts: number, own: BookSide, id: string, hash: number, priceTicks: number, remaining: number, qty: number, postOnly: boolean, owner: number): PriceLevel {
    const level = own.levelFor(priceTicks);
    const handle = level.append(id, hash, remaining, qty, postOnly);
    this.owners[handle] = owner;
    this.restingIds.add(hash, handle);
    events.push({ v: 1, seq: ++this.seq, ts, kind: 'rested', order_id: id, side: own.side, price_ticks: priceTicks, remaining_lots: remaining });
    return level;
  }

  /** The book events of the levels `match` swept, then of the level the remainder rested on. */
  private pushBookEvents(events: EngineEvent[], ts: number, restLevel: PriceLevel | undefined): void {
    const swept = this.swept;
    for (let i = 0; i < this.sweptCount; i++) events.push(this.bookEvent(ts, swept[i]));
    if (restLevel !== undefined) events.push(this.bookEvent(ts, restLevel));
  }

  private cancel(cmd: CancelCommand, ts: number): EngineEvent[] {
    const id = cmd.order_id;
    const hash = hashId(id);
    const handle = this.restingIds.get(id, hash);
    if (handle === ABSENT) {
      return [{ v: 1, seq: ++this.seq, ts, kind: 'cancel_rejected', order_id: id, request_id: cmd.request_id, code: 'ORDER_NOT_FOUND', message: NOT_FOUND_MESSAGE }];
    }
    const level = this.pool.level(handle);
    const lots = this.pool.lots(handle);
    level.remove(handle);
    this.finishResting(id, hash, handle);
    if (level.isEmpty) this.sideOf(level).emptied(level);
    return [this.cancelled(ts, id, lots, 'user', cmd.request_id), this.bookEvent(ts, level)];
  }

  private amend(cmd: AmendCommand, ts: number): EngineEvent[] {
    checkAmend(cmd);
    const id = cmd.order_id;
    const qty = cmd.qty_lots;
    const price = cmd.price_ticks;
    if (qty !== undefined && !(Number.isSafeInteger(qty) && qty > 0)) return [this.amendRejected(ts, cmd, 'INVALID_QUANTITY')];
    if (price !== undefined && !(Number.isSafeInteger(price) && price > 0)) return [this.amendRejected(ts, cmd, 'INVALID_PRICE')];
    const hash = hashId(id);
    const handle = this.restingIds.get(id, hash);
    if (handle === ABSENT) return [this.amendRejected(ts, cmd, 'ORDER_NOT_FOUND')];

    const pool = this.pool;
    const level = pool.level(handle);
    const oldPrice = level.priceTicks;
    const oldQty = pool.qty(handle);
    const oldRemaining = pool.lots(handle);
    const filled = oldQty - oldRemaining;
    const newQty = qty ?? oldQty;
    const newPrice = price ?? oldPrice;
    if (newQty === oldQty && newPrice === oldPrice) return [this.amendRejected(ts, cmd, 'NOTHING_CHANGED')];
    if (newQty <= filled) return [this.amendRejected(ts, cmd, 'QUANTITY_NOT_ABOVE_FILLED')];
    const remaining = newQty - filled;
    const side = level.side;

    if (newPrice === oldPrice && newQty < oldQty) {
      // Less of the same: the order keeps its place in the queue.
      level.reduce(handle, oldRemaining - remaining);
      pool.setQty(handle, newQty);
      return [this.amended(ts, cmd, true, side, newPrice, newQty, remaining), this.bookEvent(ts, level)];
    }

    const own = this.sideOf(level);
    const opposite = side === 'Buy' ? this.asks : this.bids;
    const limitKey = opposite.keyOf(newPrice);
    const postOnly = pool.isPostOnly(handle);
    const owner = this.owners[handle];
    if (postOnly && opposite.best !== undefined && opposite.best.sortKey <= limitKey) return [this.amendRejected(ts, cmd, 'POST_ONLY_WOULD_CROSS')];

    // Off the book (the id stays in use: it is neither resting nor finished for this moment) ...
    level.remove(handle);
    this.restingIds.remove(hash, handle);
    const oldLevelLots = level.totalLots;
    if (level.isEmpty) own.emptied(level);
    // ... and placed again at the back of its new price, trading first if that crosses.
    const events: EngineEvent[] = [this.amended(ts, cmd, false, side, newPrice, newQty, remaining)];
    const left = this.match(events, ts, id, side, remaining, limitKey, opposite, owner);
    let restLevel: PriceLevel | undefined;
    if (left === 0) this.finish(id, hash);
    else if (this.matchEnded !== undefined) {
      this.finish(id, hash);
      events.push(this.cancelled(ts, id, left, this.matchEnded, undefined));
    } else restLevel = this.rest(events, ts, own, id, hash, newPrice, left, newQty, postOnly, owner);
    // The old level first (unless the order went back to the same price: one event says it all).
    if (newPrice !== oldPrice) events.push({ v: 1, seq: ++this.seq, ts, kind: 'book', side, price_ticks: oldPrice, qty_lots: oldLevelLots });
    this.pushBookEvents(events, ts, restLevel);
    return events;
  }

  private amended(ts: number, cmd: AmendCommand, keptPriority: boolean, side: Side, priceTicks: number, qty: number, remaining: number): AmendedEvent {
    return {
      v: 1,
      seq: ++this.seq,
      ts,
      kind: 'amended',
      order_id: cmd.order_id,
      request_id: cmd.request_id,
      kept_priority: keptPriority,
      side,
      price_ticks: priceTicks,
      qty_lots: qty,
      remaining_lots: remaining,
    };
  }

  private amendRejected(ts: number, cmd: AmendCommand, code: AmendRejectCode): EngineEvent {
    return { v: 1, seq: ++this.seq, ts, kind: 'amend_rejected', order_id: cmd.order_id, request_id: cmd.request_id, code, message: AMEND_REJECT_MESSAGES[code] };
  }

  private sideOf(level: PriceLevel): BookSide {
    return level.side === 'Buy' ? this.bids : this.asks;
  }

  private accepted(ts: number, cmd: PlaceCommand): AcceptedEvent {
    const { order_id, client_order_id, side, type, tif, price_ticks, qty_lots } = cmd;
    // client_order_id is present only when given, so the JSON is the same after a snapshot.
    if (client_order_id === undefined) return { v: 1, seq: ++this.seq, ts, kind: 'accepted', order_id, side, type, tif, price_ticks, qty_lots };
    return { v: 1, seq: ++this.seq, ts, kind: 'accepted', order_id, client_order_id, side, type, tif, price_ticks, qty_lots };
  }

  private rejected(ts: number, orderId: string, code: RejectCode): RejectedEvent {
    return { v: 1, seq: ++this.seq, ts, kind: 'rejected', order_id: orderId, code, message: REJECT_MESSAGES[code] };
  }

  private trade(ts: number, takerId: string, takerSide: Side, makerId: string, makerRemaining: number, priceTicks: number, lots: number, takerRemaining: number): TradeEvent {
    const seq = ++this.seq;
    return {
      v: 1,
      seq,
      ts,
      kind: 'trade',
      trade_id: this.tradeIds.of(seq),
      taker_order_id: takerId,
      maker_order_id: makerId,
      taker_side: takerSide,
      price_ticks: priceTicks,
      qty_lots: lots,
      taker_fee: this.takerFee.of(priceTicks, lots),
      maker_fee: this.makerFee.of(priceTicks, lots),
      taker_remaining_lots: takerRemaining,
      maker_remaining_lots: makerRemaining,
    };
  }

  private cancelled(ts: number, orderId: string, remaining: number, reason: CancelReason, requestId: string | undefined): CancelledEvent {
    if (requestId === undefined) return { v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: orderId, remaining_lots: remaining, reason };
    return { v: 1, seq: ++this.seq, ts, kind: 'cancelled', order_id: orderId, remaining_lots: remaining, reason, request_id: requestId };
  }

  private bookEvent(ts: number, level: PriceLevel): BookEvent {
    return { v: 1, seq: ++this.seq, ts, kind: 'book', side: level.side, price_ticks: level.priceTicks, qty_lots: level.totalLots };
  }

  /** The whole state as plain JSON-serialisable data (see {@link CoreSnapshot}). */
  snapshot(): CoreSnapshot {
    return {
      v: 1,
      symbol: this.spec.symbol,
      seq: this.seq,
      bids: this.snapshotSide(this.bids),
      asks: this.snapshotSide(this.asks),
      recent_capacity: this.recent.capacity,
      recent: this.recent.toArray(),
    };
  }

  /**
   * A core in exactly the state the snapshot describes: fed the same commands, it emits the same
   * events (byte for byte) as the core that took the snapshot. Throws InvalidSnapshotError on a
   * snapshot that is not a valid book of this symbol.
   */
  static restore(spec: MarketSpec, snap: CoreSnapshot): MatchingCore {
    if (snap === null || typeof snap !== 'object' || snap.v !== 1) throw new InvalidSnapshotError('not a version 1 core snapshot');
    if (snap.symbol !== spec.symbol) throw new InvalidSnapshotError(`snapshot of ${snap.symbol} cannot restore ${spec.symbol}`);
    if (!Number.isSafeInteger(snap.seq) || snap.seq < 0) throw new InvalidSnapshotError(`bad sequence ${snap.seq}`);
    if (!Array.isArray(snap.recent) || !Number.isSafeInteger(snap.recent_capacity) || snap.recent_capacity < 1 || snap.recent.length > snap.recent_capacity) {
      throw new InvalidSnapshotError('bad finished-id memory');
    }
    const core = new MatchingCore(spec, { recentIdCapacity: snap.recent_capacity });
    core.seq = snap.seq;
    for (const id of snap.recent) {
      if (typeof id !== 'string') throw new InvalidSnapshotError(`bad finished id ${String(id)}`);
      const hash = hashId(id);
      if (core.isKnown(id, hash)) throw new InvalidSnapshotError(`repeated finished id ${id}`);
      core.finish(id, hash);
    }
    core.restoreSide(core.bids, snap.bids);
    core.restoreSide(core.asks, snap.asks);
    return core;
  }

  private snapshotSide(side: BookSide): SnapshotLevel[] {
    const out: SnapshotLevel[] = [];
    for (const level of side.levels()) {
      const orders: SnapshotOrder[] = [];
      const pool = level.pool;
      for (let h = level.head; h !== NONE; h = pool.next(h)) {
        const lots = pool.lots(h);
        const filled = pool.qty(h) - lots;
        const owner = this.owners[h];
        if (owner !== 0) {
          const order: SnapshotOrder = [pool.ids[h], lots, filled, pool.isPostOnly(h) ? 1 : 0, this.accountNames[owner >>> 2]];
          if ((owner & 3) !== STP_EXPIRE_MAKER) order.push(STP_NAMES[owner & 3]);
          orders.push(order);
        } else if (pool.isPostOnly(h)) orders.push([pool.ids[h], lots, filled, 1]);
        else if (filled !== 0) orders.push([pool.ids[h], lots, filled]);
        else orders.push([pool.ids[h], lots]);
      }
      out.push([level.priceTicks, orders]);
    }
    return out;
  }

  private restoreSide(side: BookSide, levels: SnapshotLevel[]): void {
    if (!Array.isArray(levels)) throw new InvalidSnapshotError(`${side.side} levels missing`);
    let previousKey = -Infinity;
    for (const [price, orders] of levels) {
      if (!Number.isSafeInteger(price) || price <= 0) throw new InvalidSnapshotError(`bad price ${price}`);
      const key = side.keyOf(price);
      if (key <= previousKey) throw new InvalidSnapshotError(`${side.side} levels are not strictly best first at ${price}`);
      previousKey = key;
      if (!Array.isArray(orders) || orders.length === 0) throw new InvalidSnapshotError(`empty level ${price}`);
      const level = side.levelFor(price);
      for (const [id, lots, filled = 0, postOnly, account, stp] of orders) {
        if (typeof id !== 'string' || id.length === 0) throw new InvalidSnapshotError(`bad order id at ${price}`);
        if (!Number.isSafeInteger(lots) || lots <= 0) throw new InvalidSnapshotError(`bad quantity for ${id}`);
        if (!Number.isSafeInteger(filled) || filled < 0 || !Number.isSafeInteger(lots + filled)) throw new InvalidSnapshotError(`bad filled quantity for ${id}`);
        if (postOnly !== undefined && postOnly !== 1 && postOnly !== 0) throw new InvalidSnapshotError(`bad post-only flag for ${id}`);
        if (account !== undefined && (typeof account !== 'string' || account.length === 0)) throw new InvalidSnapshotError(`bad account of ${id}`);
        if (stp !== undefined && (account === undefined || !(stp in STP_CODES))) throw new InvalidSnapshotError(`bad self-trade prevention of ${id}`);
        const hash = hashId(id);
        if (this.isKnown(id, hash)) throw new InvalidSnapshotError(`order id ${id} appears twice`);
        const handle = level.append(id, hash, lots, lots + filled, postOnly === 1);
        this.owners[handle] = this.ownerWord(account, STP_CODES[stp ?? 'EXPIRE_MAKER']);
        this.restingIds.add(hash, handle);
      }
    }
  }
}


/** Rejects amends the stream contract rules out (a bad quantity or price is a business rejection). */
function checkAmend(cmd: AmendCommand): void {
  if (typeof cmd.order_id !== 'string' || cmd.order_id.length === 0) throw new InvalidCommandError('order_id is missing');
  if (typeof cmd.request_id !== 'string' || cmd.request_id.length === 0) throw new InvalidCommandError(`amend of ${cmd.order_id}: request_id is missing`);
}

/** Rejects commands the stream contract rules out, before anything changes. */
function checkPlace(cmd: PlaceCommand): void {
  if (typeof cmd.order_id !== 'string' || cmd.order_id.length === 0) throw new InvalidCommandError('order_id is missing');
  if (!Number.isSafeInteger(cmd.qty_lots) || cmd.qty_lots <= 0) throw new InvalidCommandError(`order ${cmd.order_id}: qty_lots ${cmd.qty_lots} is not a positive integer`);
  const tif = cmd.tif;
  if (tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK' && tif !== 'POST_ONLY') throw new InvalidCommandError(`order ${cmd.order_id}: unknown tif ${cmd.tif}`);
  if (cmd.side !== 'Buy' && cmd.side !== 'Sell') throw new InvalidCommandError(`order ${cmd.order_id}: unknown side ${cmd.side}`);
  if (cmd.type === 'Limit') {
    const p = cmd.price_ticks;
    if (p === null || !Number.isSafeInteger(p) || p <= 0) throw new InvalidCommandError(`order ${cmd.order_id}: a Limit order needs positive integer price_ticks`);
  } else if (cmd.type === 'Market') {
    if (cmd.price_ticks !== null) throw new InvalidCommandError(`order ${cmd.order_id}: a Market order has price_ticks null`);
  } else {
    throw new InvalidCommandError(`order ${cmd.order_id}: unknown type ${String(cmd.type)}`);
  }
  if ((cmd.quote_quantity !== undefined || cmd.spend_limit !== undefined) && !(cmd.type === 'Market' && cmd.side === 'Buy')) {
    throw new InvalidCommandError(`order ${cmd.order_id}: only a Market Buy has a quote budget`);
  }
}
