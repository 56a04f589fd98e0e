import type { ChainableCommander } from 'ioredis';
import { waitForReplicas, withDeadline, type Durability, type RedisClient } from '@xtrader/platform';
import { accountShard, DEFAULT_ACCOUNT_TRADES_MAX, DEFAULT_ORDER_FILLS_MAX, encodeAccountTrade, encodeEvent, encodeStoredFill, FIELDS, isFinished, storedOrderOf, type EngineEvent, type FillRecord, type OrderRecord, type OutcomeMessage, type SymbolKeys } from '@xtrader/protocol';
import { MAX_CANDLES, MAX_TRADES, type MarketDataChanges } from '../marketdata';
import type { OrderChanges } from './order-records';
import { pieces, type EngineScripts } from './scripts';

/**
 * How long a commit may go unanswered before the connection is presumed stuck (a server
 * restart can strand a command in flight) and replaced; a large batch on a loaded machine is
 * slow, not lost.
 */
const COMMIT_DEADLINE_MS = 5_000;

/** Everything one batch commits, as the loop hands it over: plain values and texts. */
export interface BatchCommit {
  /** The committed position the batch starts from: the commit is refused from any other. */
  startPosition: string;
  /** Ids of the batch's first and last command (the last is the new position). */
  firstId: string;
  lastId: string;
  /** Sequence of the last engine event so far (the core's): what the outcome message carries. */
  lastSeq: number;
  /** The events of each command that caused any, as text ({@link eventRow}). */
  eventRows: string[];
  orders: OrderChanges;
  market: MarketDataChanges;
  /** The oldest finished orders to forget: their states are deleted and `keys.finished` loses its tail of as many. */
  evict?: string[];
  /** Commands of the batch skipped as poison, with their errors (recorded in `keys.skipped`). */
  skipped?: [id: string, error: string][];
  /** The heartbeat record (JSON) to refresh. */
  heartbeat: string;
  /** A snapshot to make current (see {@link SnapshotWrite}). */
  snapshot?: SnapshotWrite;
}

/**
 * What makes a snapshot current: its JSON for `keys.snapshot` (whole, or the head of pieces
 * written before), the id before which the command stream may be trimmed, the pieces list it
 * names (kept from now on) and the previous one (dropped), and the recorded skips it reflects.
 */
export interface SnapshotWrite {
  json: string;
  trimBefore?: string;
  pieces?: string;
  dropPieces?: string;
  /** Ids in `keys.skipped` at or before the snapshot's position: replay never needs them again. */
  skippedThrough: string[];
}

/** A batch's transaction and the position it must start from. */
export interface EncodedCommit {
  tx: ChainableCommander;
  start: string;
  /** True when the transaction's first command appends the batch's events entry. */
  events: boolean;
  /**
   * With durability: the batch's outcome message (JSON), published only once a replica has the
   * commit; without, the outcome is published inside the MULTI and this is unset.
   */
  outcome?: string;
}

/** What a commit that landed gives back. */
export interface CommitResult {
  /** The id of the events entry appended, when the batch had events. */
  eventsId?: string;
  /** With durability: whether a replica confirmed the commit in time (and its outcome went out). */
  replicated?: boolean;
}

export interface CommitSettings {
  symbol: string;
  leaseMs: number;
  feedMaxLen: number;
  finishedTtlS: number;
  /** Fills kept per account in its trade list on this symbol (default {@link DEFAULT_ACCOUNT_TRADES_MAX}). */
  accountTradesMax?: number;
  /** Fills kept in each order's fill list (default {@link DEFAULT_ORDER_FILLS_MAX}). */
  orderFillsMax?: number;
  /** `XT_DURABILITY=replica`: a batch's outcome is published only once a replica has its commit. */
  durability?: Durability;
  /** The ledger's account shards (`XT_LEDGER_SHARDS`): each outcome names those its batch touched. */
  ledgerShards?: number;
}

/**
 * One command's events as JSON text, `[command id, event, event...]`, each event in its compact
 * form (protocol `encodeEvent`); an events entry holds `[row, row...]` for the commands of a batch
 * that caused events.
 */
export function eventRow(a: { id: string; events: readonly EngineEvent[] }): string {
  return JSON.stringify([a.id, ...a.events.map(encodeEvent)]);
}

/** The ledger shards of the owners of `orders`, ascending, each once. */
function shardsOf(orders: readonly OrderRecord[], shardCount: number): number[] {
  const shards = new Set<number>();
  for (const { account_id } of orders) if (account_id !== undefined) shards.add(accountShard(account_id, shardCount));
  return [...shards].sort((a, b) => a - b);
}

/** Thrown when a commit is refused because the lease moved on. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
}

/**
 * Thrown when a commit is refused because the committed position is not the one its batch
 * starts from (it was committed already): nothing was written; the state is rebuilt from Redis.
 */
export class PositionMovedError extends Error {
  override readonly name = 'PositionMovedError';
}

/**
 * Turns one applied batch into its fenced commit: every write of the batch (events, order
 * states, market data, feed, position, lease and heartbeat, snapshot, outcomes) in one MULTI
 * (with durability the outcomes apart, once a replica has the rest), sent after a WATCH of the
 * lease and its guard and a check of the lease and of the position the batch starts from, so that a former holder's EXEC, or a batch sent twice, aborts and writes
 * nothing.
 */
export class CommitWriter {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: EngineScripts,
    private readonly keys: SymbolKeys,
    private readonly o: CommitSettings,
  ) {}

  /** The batch's transaction, built synchronously (nothing is sent yet). */
  encode(b: BatchCommit): EncodedCommit {
    const { keys, o, scripts } = this;
    const tx = scripts.multi();
    if (b.eventRows.length > 0) {
      // Not capped here: the stream is trimmed behind the slowest ledger shard (events-trim.ts).
      tx.xadd(keys.events, '*', FIELDS.first, b.firstId, FIELDS.last, b.lastId, FIELDS.events, `[${b.eventRows.join(',')}]`);
    }
    const fillsMax = o.orderFillsMax ?? DEFAULT_ORDER_FILLS_MAX;
    const newFills = fillsByOrder(b.orders, fillsMax);
    scripts.storeOrders(
      tx,
      b.orders.changed.map((rec) => ({
        key: keys.order(rec.order_id),
        fillsKey: keys.orderFills(rec.order_id),
        text: storedOrderOf(rec),
        fills: newFills.get(rec.order_id) ?? [],
        fillsTotal: rec.fills_total,
        finished: isFinished(rec.status),
      })),
      o.finishedTtlS,
      fillsMax,
    );
    writeAccountIndexes(tx, keys, b.orders, o.accountTradesMax ?? DEFAULT_ACCOUNT_TRADES_MAX);
    writeFinished(tx, keys, b.orders, b.evict);
    writeMarketData(tx, scripts, keys, b.market);
    scripts.appendFeed(tx, keys, b.market.messages.map((m) => JSON.stringify(m)), o.feedMaxLen);
    tx.set(keys.position, b.lastId);
    tx.pexpire(keys.lease, o.leaseMs);
    tx.set(keys.heartbeat, b.heartbeat, 'PX', o.leaseMs);
    if (b.skipped && b.skipped.length > 0) tx.hset(keys.skipped, ...b.skipped.flat());
    if (b.snapshot) {
      const snap = b.snapshot;
      tx.set(keys.snapshot, snap.json);
      // Pieces are written with a TTL (an abandoned write expires): the current ones are kept.
      if (snap.pieces) tx.persist(snap.pieces);
      // UNLINK: a large list is freed off Redis's main thread.
      if (snap.dropPieces && snap.dropPieces !== snap.pieces) tx.unlink(snap.dropPieces);
      if (snap.skippedThrough.length > 0) tx.hdel(keys.skipped, ...snap.skippedThrough);
      if (snap.trimBefore) tx.xtrim(keys.commands, 'MINID', snap.trimBefore);
    }
    const { placed, cancels, amends, cancelAlls } = b.orders;
    if (placed.length > 0 || cancels.length > 0 || amends.length > 0 || cancelAlls.length > 0) {
      const outcome: OutcomeMessage = { symbol: o.symbol, position: b.lastId, seq: b.lastSeq, orders: placed, cancels, amends };
      if (cancelAlls.length > 0) outcome.cancel_alls = cancelAlls;
      if (o.ledgerShards) outcome.shards = shardsOf(b.orders.changed, o.ledgerShards);
      if (!o.durability) tx.publish(keys.outcomes, JSON.stringify(outcome));
      else return { tx, start: b.startPosition, events: b.eventRows.length > 0, outcome: JSON.stringify(outcome) };
    }
    return { tx, start: b.startPosition, events: b.eventRows.length > 0 };
  }

  /**
   * Sends the fenced commit in one go: WATCH the lease and its guard, the check (which writes
   * the guard unless the lease carries `token` and the committed position is `start`), then
   * MULTI ... EXEC, which thus aborts (nil) if either was not so at the check or the lease
   * changed after it. Nothing waits for a round trip, so Redis runs the commit while the next
   * batch is applied. With durability a WAIT follows the EXEC on the same connection (sent at
   * once, so it costs the replication round trip only) and the outcome is published once it
   * says a replica has the commit; when none does in time, the outcome is not published (the
   * commit stands: its answers are then never sent, as if lost in transit).
   */
  send({ tx, start, events, outcome }: EncodedCommit, token: string): Promise<CommitResult> {
    const { keys, o } = this;
    void this.redis.watch(keys.lease, keys.leaseGuard).catch(() => undefined);
    const check = this.scripts.checkCommit(keys, token, start);
    check.catch(() => undefined);
    const exec = withDeadline(this.redis, tx.exec(), COMMIT_DEADLINE_MS, 'committing a batch');
    const wait = o.durability ? withDeadline(this.redis, waitForReplicas(this.redis, keys.position, o.durability.replicas, o.durability.timeoutMs), o.durability.timeoutMs + COMMIT_DEADLINE_MS, 'waiting for a replica') : undefined;
    wait?.catch(() => undefined);
    return exec.then(async (result) => {
      if (result === null) {
        const why = await check.catch(() => '');
        if (why.startsWith('position:')) throw new PositionMovedError(`the committed position is ${why.slice('position:'.length)}, not ${start}: the batch is committed already`);
        const holder = why.slice('lease:'.length);
        throw new FencedError(holder ? `lease is now ${holder === '-' ? 'free' : holder}` : 'lease changed during the commit');
      }
      const failed = result.find(([err]) => err);
      if (failed) throw new Error(`commit command failed: ${failed[0]!.message}`);
      // The id of the events entry appended, for the events stream's retention.
      const committed: CommitResult = events ? { eventsId: result[0][1] as string } : {};
      if (!wait || !o.durability) return committed;
      committed.replicated = (await wait) >= o.durability.replicas;
      // Best effort, like all pub/sub; sent before the next commit is, to the symbol's node (a
      // key routes it there on a cluster), so outcomes go out in commit order.
      if (committed.replicated && outcome !== undefined) void this.redis.pipeline().exists(keys.position).publish(keys.outcomes, outcome).exec().catch(() => undefined);
      return committed;
    });
  }
}

/**
 * The market-data keys (formats in docs/protocol.md): trades prepended to the list (skipping
 * any already at its head), candles replaced by open_time, the statistics and the top of the
 * book overwritten.
 */
export function writeMarketData(tx: ChainableCommander, scripts: EngineScripts, keys: SymbolKeys, m: MarketDataChanges): void {
  scripts.putCandles(tx, keys, m.candles, MAX_CANDLES);
  scripts.pushTrades(tx, keys, m.trades.map((t) => ({ sequence: t.sequence, json: JSON.stringify(t) })), MAX_TRADES);
  if (m.depth) tx.set(keys.depth, JSON.stringify(m.depth));
  if (m.stats) tx.set(keys.stats, JSON.stringify(m.stats));
}

/**
 * The batch's new fills of each order as `StoredFill` texts, oldest first: only the last `max` of
 * them, all the order's list keeps (a sweep may fill one order hundreds of thousands of times).
 */
function fillsByOrder(orders: OrderChanges, max: number): Map<string, string[]> {
  const byOrder = new Map<string, FillRecord[]>();
  for (const f of orders.fills) {
    let list = byOrder.get(f.order_id);
    if (!list) byOrder.set(f.order_id, (list = []));
    list.push(f.fill);
  }
  const out = new Map<string, string[]>();
  for (const [id, list] of byOrder) out.set(id, list.slice(-max).map(encodeStoredFill));
  return out;
}

/**
 * The finished orders' list: the batch's finished ids go to its head; an eviction (the ids the
 * runner read from its tail, after the previous commit) deletes those orders' states and fill
 * lists and cuts as many from the tail. Only this engine writes the list, always at the head, so
 * the tail it read is still the tail.
 */
function writeFinished(tx: ChainableCommander, keys: SymbolKeys, orders: OrderChanges, evict: readonly string[] | undefined): void {
  if (evict && evict.length > 0) {
    for (const piece of pieces(evict)) tx.unlink(...piece.flatMap((id) => [keys.order(id), keys.orderFills(id)]));
    tx.ltrim(keys.finished, 0, -evict.length - 1);
  }
  const ids = orders.changed.filter((rec) => isFinished(rec.status)).map((rec) => rec.order_id);
  for (const piece of pieces(ids)) tx.lpush(keys.finished, ...piece);
}

/**
 * The owners' indexes in the symbol's slot: a finished order leaves its account's open set (the
 * place script added it), and each fill goes to the front of its account's bounded trade list.
 */
function writeAccountIndexes(tx: ChainableCommander, keys: SymbolKeys, orders: OrderChanges, tradesMax: number): void {
  for (const rec of orders.changed) if (rec.account_id !== undefined && isFinished(rec.status)) tx.srem(keys.accountOpen(rec.account_id), rec.order_id);
  if (orders.fills.length === 0) return;
  const byAccount = new Map<string, string[]>();
  for (const f of orders.fills) {
    if (f.account_id === undefined) continue;
    let rows = byAccount.get(f.account_id);
    if (!rows) byAccount.set(f.account_id, (rows = []));
    // LPUSH puts the last argument first: the batch's newest fill ends up at the head.
    rows.push(encodeAccountTrade(f.order_id, f.side, f.fill));
  }
  for (const [account, rows] of byAccount) {
    const key = keys.accountTrades(account);
    tx.lpush(key, ...rows);
    tx.ltrim(key, 0, tradesMax - 1);
  }
}
