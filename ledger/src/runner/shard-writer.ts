import { BLOCKING_OPTIONS, createRedis, pipelineEach, waitForReplicas, whenReady, WRITE_ONCE_OPTIONS, type Durability, type Logger, type RedisClient, type RedisTarget } from '@xtrader/platform';
import {
  entryField,
  eventsOfEntry,
  FIELDS,
  LEDGER_POSITIONS,
  ledgerShardKeys,
  StoredClientOrder,
  symbolKeys,
  accountShard,
  decodeStoredOrder,
  balanceView,
  streamIdTime,
  type EngineEvent,
  type ExchangeConfig,
  type OrderRecord,
  type PrivateMessage,
  type LedgerAnswer,
  type LedgerApplied,
  type LedgerRequest,
  type LedgerShardKeys,
  type OutboxEntry,
  type OutcomeMessage,
} from '@xtrader/protocol';
import { EngineScripts } from '../../../engine/src/runner/scripts';
import { Lease } from '../../../engine/src/runner/lease';
import { Ledger, LedgerInvariantError, PrivateFeed, sequencePrivate, type LedgerChanges, type PrivateDraft, type TrackedOrder } from '../core';
import { ClientOrderRecords, type ClientOrderBounds } from './client-order-records';
import { Forwarder, type Outgoing } from './forwarder';
import { assertEventsKept, LedgerInputGoneError } from './input-check';
import type { LedgerMetrics } from './metrics';
import { applyRequest, clientOrderKeyOf, parseRequest, type ClientOrderWrite, type ShardPlace } from './requests';
import { loadShard, queueChanges } from './state-store';

export interface ShardWriterOptions {
  /** Redis: a URL, or a cluster's seed nodes (`redisTarget(env)`). */
  redisUrl: RedisTarget;
  prefix: string;
  shard: number;
  shardCount: number;
  writerId: string;
  config: ExchangeConfig;
  log: Logger;
  /** Lease TTL in ms (default 5000). */
  leaseMs?: number;
  /** Most entries read from one input per batch (default 500). */
  batchSize?: number;
  /**
   * How long an idle writer blocks on its command stream before looking at the events again
   * (default 50 ms); an engine's outcome (a batch that placed, cancelled or amended) wakes it
   * sooner.
   */
  blockMs?: number;
  /** The bound of each account's recent-orders index on a symbol, as the api keeps it (default `DEFAULT_ACCOUNT_ORDERS_MAX`). */
  accountOrdersMax?: number;
  /**
   * Where the shard's accounts' private messages go once committed (the realtime
   * `PrivateEmitter`); none are made without it.
   */
  sink?: PrivateSink;
  /** Count every settled trade leg in the shard's `settlements` hash (default false). */
  recordSettlements?: boolean;
  /** Where the writer's hops of each request are counted (none when unset). */
  metrics?: LedgerMetrics;
  /** How long and how many of an account's client_order_id records are kept (here and on each symbol). */
  clientOrderIds?: ClientOrderBounds;
  /**
   * `XT_DURABILITY=replica`: answers (and applied progress) are published and private messages
   * sent only once a replica has the commit, and a forward counts only once a replica has it on
   * its symbol's node.
   */
  durability?: Durability;
}

/** Receives each account's private messages, numbered and committed, in order. */
export interface PrivateSink {
  emit(accountId: string, messages: readonly PrivateMessage[]): void;
}

/** A stored open order of the private feed: the tracked order and its symbol. */
interface StoredTracked extends TrackedOrder {
  symbol: string;
}

type StreamReply = [string, [string, string[]][]][] | null;

/** What a commit made: the private messages to send, the ids its outbox entries got, and whether a replica has it (always, without durability). */
interface Committed {
  messages: Map<string, PrivateMessage[]>;
  outboxIds: string[];
  replicated: boolean;
}


/**
 * Whether an engine outcome may have something for shard `shard` to settle: it names the shard,
 * or names none (an engine that does not know the shard count). A shard not named reads the
 * batch's events when it next looks, which changes none of its accounts.
 */
function concernsShard(message: string, shard: number): boolean {
  try {
    const { shards } = JSON.parse(message) as Pick<OutcomeMessage, 'shards'>;
    return shards === undefined || shards.includes(shard);
  } catch {
    return true;
  }
}

/** Thrown when a commit is refused because the lease moved on. */
export class LedgerFencedError extends Error {
  override readonly name = 'LedgerFencedError';
}

/**
 * The single writer of one ledger shard: holds the shard's lease, keeps its `Ledger` in memory,
 * and per batch applies its command stream (transfers, locks) and every symbol's committed
 * events (settlement, releases), then commits the changed balances, holds, transfers, fees and
 * the position of every input it read in one fenced MULTI in the shard's slot, with the answers
 * published in the same commit (with durability: right after it, once a replica has it). A new holder loads the committed state and reads on from the
 * stored positions, so every input is applied exactly once.
 */
export class ShardWriter {
  readonly keys: LedgerShardKeys;
  private readonly redis: RedisClient;
  private readonly blocking: RedisClient;
  /** Subscribed to every symbol's outcomes: an engine committed something, so its events may move funds. */
  private readonly wake: RedisClient;
  /** Whether an outcome came since the last batch started reading (its events may be unread). */
  private woken = false;
  private wakeUp: (() => void) | undefined;
  /** The blocking read on the command stream, kept across idles: it is only a wake-up. */
  private pendingRead: Promise<Error | undefined> | undefined;
  private readonly scripts: EngineScripts;
  private readonly lease: Lease;
  private readonly forwarder: Forwarder;
  private readonly clientOrderRecords: ClientOrderRecords;
  private readonly place: ShardPlace;
  /** Whether the outbox may hold entries after `forwarded` (on taking the lease: a former holder's). */
  private outboxPending = true;
  /**
   * Positions read past but not committed yet, which ride with the next commit: the outbox's
   * `forwarded` (that commit trims the outbox up to it; lost in a crash, the next holder forwards
   * those entries again, which appends nothing twice) and the events of batches that changed none
   * of the shard's accounts (read again after a crash, they change nothing again).
   */
  private unsaved = new Map<string, string>();
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly symbols: string[];
  private ledger: Ledger | undefined;
  private positions = new Map<string, string>();
  /** Per symbol, the private feed of the shard's accounts' orders; the last account_sequence per account. */
  private feeds = new Map<string, PrivateFeed>();
  private accountSequences = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private lastRenew = 0;
  private lastCommit = 0;
  /** Set when the writer met a broken invariant: it stops rather than commit wrong money. */
  failure: Error | undefined;
  /** With durability: commits whose wait for a replica fell short (their answers and messages were not sent). */
  replicaShortfalls = 0;
  /** With durability: forwards that no replica confirmed in time (each is tried again). */
  forwardShortfalls = 0;

  constructor(private readonly o: ShardWriterOptions) {
    this.keys = ledgerShardKeys(o.shard, o.prefix);
    this.redis = createRedis(o.redisUrl, `ledger-${o.shard}`, WRITE_ONCE_OPTIONS);
    this.blocking = createRedis(o.redisUrl, `ledger-${o.shard}-read`, BLOCKING_OPTIONS);
    this.wake = createRedis(o.redisUrl, `ledger-${o.shard}-wake`);
    this.wake.on('message', (_channel: string, message: string) => {
      if (concernsShard(message, o.shard)) this.alarm();
    });
    this.scripts = new EngineScripts(this.redis);
    this.leaseMs = o.leaseMs ?? 5000;
    this.batchSize = o.batchSize ?? 500;
    this.blockMs = o.blockMs ?? 50;
    this.lease = new Lease(this.scripts, this.keys, o.writerId, this.leaseMs);
    this.clientOrderRecords = new ClientOrderRecords(this.redis, o.clientOrderIds);
    this.forwarder = new Forwarder(this.redis, o.prefix, this.clientOrderRecords, o.accountOrdersMax);
    this.place = { shard: o.shard, shardCount: o.shardCount, keys: this.keys };
    this.symbols = o.config.markets.map((m) => m.symbol);
  }

  /** Whether this writer holds the shard's lease and has loaded its state. */
  get active(): boolean {
    return this.ledger !== undefined && this.lease.token !== undefined;
  }

  start(): void {
    if (this.loop) return;
    const channels = this.symbols.map((symbol) => symbolKeys(symbol, this.o.prefix).outcomes);
    this.wake.subscribe(...channels).catch((e: Error) => this.o.log.warn('ledger writer cannot subscribe to the outcomes; it looks at the events every block instead', { shard: this.o.shard, error: e.message }));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.alarm();
    await this.loop;
    await this.lease.release().catch(() => undefined);
    this.redis.disconnect();
    this.blocking.disconnect();
    this.wake.disconnect();
  }

  private alarm(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Until its connections are up (or the writer stops): they fail commands fast rather than queue
   * them, so a first try made before would fail and wait a fifth of a lease to try again.
   */
  private async connected(): Promise<void> {
    // stop() (or an outcome) ends the wait; a first try then fails and is retried as before.
    const alarmed = new Promise<void>((resolve) => (this.wakeUp = resolve));
    await Promise.race([Promise.all([whenReady(this.redis), whenReady(this.blocking)]), alarmed]);
    this.wakeUp = undefined;
  }

  private async run(): Promise<void> {
    await this.connected();
    while (!this.stopped) {
      try {
        if (!this.active) {
          if (!(await this.lease.acquire())) {
            await new Promise((r) => setTimeout(r, this.leaseMs / 5));
            continue;
          }
          await this.load();
          this.o.log.info('ledger shard writer leads', { shard: this.o.shard, token: this.lease.token });
        }
        const worked = await this.batch();
        if (!worked) await this.idle();
      } catch (e) {
        if (e instanceof LedgerInvariantError || e instanceof LedgerInputGoneError) {
          this.failure = e;
          this.o.log.error('ledger invariant broken: the shard writer stops', { shard: this.o.shard, error: e.message });
          this.stopped = true;
          break;
        }
        this.o.log.warn('ledger shard writer steps down', { shard: this.o.shard, error: (e as Error).message });
        this.ledger = undefined;
        if (e instanceof LedgerFencedError) this.lease.lost();
        else this.lease.suspend();
        await new Promise((r) => setTimeout(r, this.leaseMs / 5));
      }
    }
  }

  private async load(): Promise<void> {
    const stored = await loadShard(this.redis, this.keys);
    const { shard, shardCount } = this.o;
    // Before any input is read: a position the stream has been trimmed past stops the writer.
    await assertEventsKept(this.redis, this.o.prefix, shard, this.symbols, stored.streamPositions);
    const owns = (a: string) => accountShard(a, shardCount) === shard;
    this.ledger = Ledger.restore(this.o.config, stored.state, { owns });
    this.positions = stored.streamPositions;
    // What a former holder committed to the outbox but may not have forwarded.
    this.outboxPending = true;
    this.unsaved.clear();
    const [sequences, tracked] = await Promise.all([this.redis.hgetall(this.keys.accountSequences), this.redis.hgetall(this.keys.privateOrders)]);
    this.accountSequences = new Map(Object.entries(sequences).map(([a, n]) => [a, Number(n)]));
    const open = new Map<string, TrackedOrder[]>();
    for (const json of Object.values(tracked)) {
      const { symbol, ...order } = JSON.parse(json) as StoredTracked;
      open.set(symbol, [...(open.get(symbol) ?? []), order]);
    }
    this.feeds = new Map(this.o.config.markets.map((m) => [m.symbol, new PrivateFeed(m, owns, open.get(m.symbol) ?? [])]));
  }

  /**
   * Reads every input once, applies what came and commits it, then forwards what it granted;
   * false when nothing came.
   */
  private async batch(): Promise<boolean> {
    const ledger = this.ledger!;
    if (this.outboxPending) await this.forwardPending();
    // An outcome from here on may name events this read does not see: the next idle returns at once.
    this.woken = false;
    // One read per input, each its own slot: the shard's commands, then every symbol's events.
    const inputs: [stream: string, field: string][] = [
      [this.keys.commands, LEDGER_POSITIONS.commands],
      ...this.symbols.map((symbol): [string, string] => [symbolKeys(symbol, this.o.prefix).events, LEDGER_POSITIONS.events(symbol)]),
    ];
    const read = await pipelineEach(this.redis, inputs, (p, [stream, field]) => p.xread('COUNT', this.batchSize, 'STREAMS', stream, this.positions.get(field) ?? '0-0'));
    const replies = read.map(([err, value]) => {
      if (err) throw err;
      return value as StreamReply;
    });
    const readAt = Date.now();
    const moved = new Map<string, string>();
    const answers: LedgerAnswer[] = [];
    const outbox: OutboxEntry[] = [];
    const clientOrderWrites: ClientOrderWrite[] = [];
    const commands = replies[0]?.[0]?.[1] ?? [];
    const metrics = this.o.metrics;
    if (metrics && commands.length > 0) {
      // A request's append time is its stream id's ms part.
      const appendedToRead = metrics.hop('appended_to_ledger_read');
      for (const [id] of commands) appendedToRead.observe(Math.max(0, readAt - streamIdTime(id)) / 1000);
    }
    const requests = commands.map(([id, fields]) => [id, parseRequest(entryField(fields, FIELDS.command))] as const);
    const clientOrders = await this.clientOrders(requests.map(([, req]) => req));
    for (const [id, req] of requests) {
      moved.set(LEDGER_POSITIONS.commands, id);
      if (!req) {
        this.o.log.warn('malformed ledger request skipped', { shard: this.o.shard, id });
        continue;
      }
      const applied = applyRequest(ledger, req, this.place, clientOrders);
      answers.push(applied.answer);
      if (applied.outbox) outbox.push(applied.outbox);
      if (applied.clientOrder) clientOrderWrites.push(applied.clientOrder);
    }
    const drafts: PrivateDraft[] = [];
    for (const [i, symbol] of this.symbols.entries()) {
      for (const [id, fields] of replies[i + 1]?.[0]?.[1] ?? []) {
        const json = entryField(fields, FIELDS.events);
        if (json !== undefined) {
          const events = eventsOfEntry(json);
          ledger.applyEvents(symbol, events);
          if (this.o.sink) drafts.push(...(await this.privateDrafts(symbol, events)));
        }
        moved.set(LEDGER_POSITIONS.events(symbol), id);
      }
    }
    if (moved.size === 0) {
      // Nothing came: a forward not committed yet is committed now (and the outbox trimmed), and
      // events read past without a commit once they are a third of a lease old (the events
      // stream is trimmed only behind every shard's committed position).
      if (this.unsaved.has(LEDGER_POSITIONS.forwarded) || (this.unsaved.size > 0 && !this.committedLately())) await this.commit(new Map(), [], [], []);
      return false;
    }
    if (commands.length === 0 && drafts.length === 0 && this.quiet()) {
      // Engine events that change none of the shard's accounts: nothing to write but positions,
      // so no commit (and no fsync) until something changes or the lease wants renewing. The
      // shard still says it applied them: a request waiting for this shard need not wait longer.
      for (const [field, id] of moved) {
        this.positions.set(field, id);
        this.unsaved.set(field, id);
      }
      const positions = this.symbols.filter((symbol) => moved.has(LEDGER_POSITIONS.events(symbol))).map((symbol) => ({ symbol, seq: ledger.position(symbol) }));
      this.publish([JSON.stringify({ kind: 'applied', positions } satisfies LedgerApplied)]);
      // Like a batch that found nothing, unless a page was full: then more may be waiting.
      return replies.some((reply) => (reply?.[0]?.[1]?.length ?? 0) >= this.batchSize);
    }
    // A granted order is answered only once it is in its symbol's stream (a cancel sent right
    // after the answer then finds it), so the batch's answers wait for the forward.
    const deferred = outbox.length > 0;
    const { messages, outboxIds, replicated } = await this.commit(moved, deferred ? [] : answers, drafts, outbox, undefined, clientOrderWrites);
    const committedAt = Date.now();
    for (const [field, id] of moved) this.positions.set(field, id);
    for (const [account, list] of messages) this.o.sink!.emit(account, list);
    // One observation per request, and per granted command: the table is per order.
    if (metrics && commands.length > 0) {
      const readToCommitted = metrics.hop('ledger_read_to_committed');
      for (let i = 0; i < commands.length; i++) readToCommitted.observe((committedAt - readAt) / 1000);
    }
    if (deferred) {
      await this.forwardGranted(
        outbox.map((entry, i) => ({ id: outboxIds[i]!, entry })),
        replicated ? answers : [],
      );
      if (metrics) {
        const committedToForwarded = metrics.hop('committed_to_forwarded');
        const seconds = (Date.now() - committedAt) / 1000;
        for (let i = 0; i < outbox.length; i++) committedToForwarded.observe(seconds);
      }
    }
    return true;
  }

  /**
   * Whether the batch so far changed nothing of the shard but positions (no balance, hold, fee,
   * transfer or tracked order), and positions read past were committed lately. Never with
   * durability: its `applied` would vouch for earlier commits no replica may have confirmed.
   */
  private quiet(): boolean {
    if (this.o.durability) return false;
    if (this.ledger!.changedBeyondPositions) return false;
    for (const feed of this.feeds.values()) if (feed.hasChanges) return false;
    return this.committedLately();
  }

  /** Whether the last commit is less than a third of a lease old. */
  private committedLately(): boolean {
    return Date.now() - this.lastCommit < this.leaseMs / 3;
  }

  /** The stored client_order_id records the batch's places name (one read in the shard's slot). */
  private async clientOrders(requests: readonly (LedgerRequest | undefined)[]): Promise<Map<string, StoredClientOrder | null>> {
    const keys = [...new Set(requests.flatMap((req) => (req ? (clientOrderKeyOf(this.keys, req) ?? []) : [])))];
    const out = new Map<string, StoredClientOrder | null>();
    if (keys.length === 0) return out;
    const values = await this.redis.mget(...keys);
    keys.forEach((key, i) => out.set(key, values[i] ? StoredClientOrder.parse(JSON.parse(values[i]!)) : null));
    return out;
  }

  /**
   * Forwards the entries the batch just committed to the outbox, from memory (no read of the
   * outbox), then publishes the batch's answers. The new `forwarded` rides with the next commit.
   */
  private async forwardGranted(entries: Outgoing[], answers: LedgerAnswer[]): Promise<void> {
    await this.forwarder.forward(entries);
    if (this.o.durability) await this.forwardReplicated(entries.map((e) => e.entry.symbol));
    const last = entries[entries.length - 1]!.id;
    this.positions.set(LEDGER_POSITIONS.forwarded, last);
    this.unsaved.set(LEDGER_POSITIONS.forwarded, last);
    this.publish(answers.map((a) => JSON.stringify(a)));
  }

  /**
   * Publishes on the shard's answers channel outside a commit (best effort, like all pub/sub;
   * sent to the shard's node: the key routes it there on a cluster).
   */
  private publish(published: string[]): void {
    if (published.length === 0) return;
    const p = this.redis.pipeline().exists(this.keys.positions);
    for (const m of published) p.publish(this.keys.answers, m);
    void p.exec().catch(() => undefined);
  }

  /**
   * Forwards every outbox entry after the committed `forwarded` to its symbol (what a former
   * holder committed but may not have forwarded), committing the new `forwarded` (and trimming
   * what was forwarded) after each page. Dying in between only makes the next holder forward the
   * same entries again, which the symbol's scripts append once.
   */
  private async forwardPending(): Promise<void> {
    for (;;) {
      const entries = await this.forwarder.pending(this.keys.outbox, this.positions.get(LEDGER_POSITIONS.forwarded), this.batchSize);
      if (entries.length === 0) break;
      await this.forwarder.forward(entries);
      if (this.o.durability) await this.forwardReplicated(entries.map((e) => e.entry.symbol));
      const last = entries[entries.length - 1]!.id;
      await this.commit(new Map([[LEDGER_POSITIONS.forwarded, last]]), [], [], [], last);
      this.positions.set(LEDGER_POSITIONS.forwarded, last);
      if (entries.length < this.batchSize) break;
    }
    this.outboxPending = false;
  }

  /**
   * Waits until a replica has the forwards just made on each symbol's node; a shortfall throws:
   * the writer steps down and forwards again from its committed `forwarded` (the appends are
   * idempotent), so no place is answered before its command is safe from a failover.
   */
  private async forwardReplicated(symbols: string[]): Promise<void> {
    const { replicas, timeoutMs } = this.o.durability!;
    const counts = await Promise.all([...new Set(symbols)].map((symbol) => waitForReplicas(this.redis, symbolKeys(symbol, this.o.prefix).commands, replicas, timeoutMs)));
    if (counts.every((n) => n >= replicas)) return;
    this.forwardShortfalls++;
    throw new Error(`no replica confirmed a forward within ${timeoutMs} ms (XT_DURABILITY=replica): forwarding again`);
  }

  /** The private messages of one events entry (a rejected place's record is read from its final stored state). */
  private async privateDrafts(symbol: string, events: EngineEvent[]): Promise<PrivateDraft[]> {
    const feed = this.feeds.get(symbol)!;
    const keys = symbolKeys(symbol, this.o.prefix);
    const ids = feed.ownRejections(events);
    // All of the entry's rejected records are asked for at once: one round trip, not one each.
    const stored = await Promise.all(ids.map((orderId) => this.redis.get(keys.order(orderId))));
    const rejected = new Map<string, OrderRecord>();
    for (const [i, text] of stored.entries()) if (text !== null) rejected.set(ids[i]!, decodeStoredOrder(text));
    return feed.apply(events, rejected);
  }

  /** A BalanceUpdate for every balance of the shard's accounts that the batch changed. */
  private balanceDrafts(changes: LedgerChanges): PrivateDraft[] {
    return changes.balances.map((b) => {
      const asset = this.o.config.assets.get(b.asset)!;
      return { account_id: b.account_id, message: { type: 'BalanceUpdate', ...balanceView(asset, b.available, b.locked) } };
    });
  }

  /**
   * One fenced MULTI: the batch's changes, the outbox entries it granted, every input's new
   * position, lease, heartbeat, answers (and, after a forward, the outbox trimmed up to `trimTo`;
   * a forward not committed yet rides along and trims the outbox up to it).
   */
  private async commit(
    moved: Map<string, string>,
    answers: LedgerAnswer[],
    drafts: PrivateDraft[],
    outbox: OutboxEntry[],
    trimTo?: string,
    clientOrders: readonly ClientOrderWrite[] = [],
  ): Promise<Committed> {
    const { keys } = this;
    const token = this.lease.token;
    if (!token) throw new LedgerFencedError('lease not held');
    // The batch's own positions are later than those read past before it.
    const unsaved = new Map(this.unsaved);
    if (unsaved.size > 0) moved = new Map([...unsaved, ...moved]);
    const forwarded = unsaved.get(LEDGER_POSITIONS.forwarded);
    if (forwarded !== undefined && trimTo === undefined) trimTo = forwarded;
    const tx = this.redis.multi();
    const changes = this.ledger!.takeChanges();
    queueChanges(tx, keys, changes, this.o.recordSettlements);
    // Private messages are numbered here and the numbers committed with the rest, so a new holder
    // renumbers the same inputs the same way; they are sent only once the commit succeeded.
    const counters = new Map(this.accountSequences);
    const messages = this.o.sink ? sequencePrivate([...drafts, ...this.balanceDrafts(changes)], counters) : new Map<string, PrivateMessage[]>();
    for (const account of messages.keys()) tx.hset(keys.accountSequences, account, counters.get(account)!);
    for (const [symbol, feed] of this.feeds) {
      for (const [orderId, order] of feed.takeChanges()) {
        if (order === null) tx.hdel(keys.privateOrders, orderId);
        else tx.hset(keys.privateOrders, orderId, JSON.stringify({ symbol, ...order } satisfies StoredTracked));
      }
    }
    // The reply of the MULTI's n-th queued command (after the MULTI itself) is at n - 1.
    const firstOutboxReply = tx.length - 1;
    for (const entry of outbox) tx.xadd(keys.outbox, '*', FIELDS.command, JSON.stringify(entry));
    if (trimTo !== undefined) tx.xtrim(keys.outbox, 'MINID', trimTo);
    const byAccount = new Map<string, [key: string, value: string][]>();
    for (const { account, key, record } of clientOrders) byAccount.set(account, [...(byAccount.get(account) ?? []), [key, JSON.stringify(record)]]);
    for (const [account, records] of byAccount) this.clientOrderRecords.queue(tx, keys.clientOrders(account), records, Date.now());
    if (moved.size > 0) tx.hset(keys.positions, ...[...moved].flat());
    tx.pexpire(keys.lease, this.leaseMs);
    tx.set(keys.heartbeat, JSON.stringify({ writer_id: this.o.writerId, ts: Date.now() }), 'PX', this.leaseMs);
    const published = answers.map((a) => JSON.stringify(a));
    // After the answers: a cancel waiting on this shard is answered once its release is here.
    if (changes.positions.length > 0) published.push(JSON.stringify({ kind: 'applied', positions: changes.positions } satisfies LedgerApplied));
    const durability = this.o.durability;
    if (!durability) for (const m of published) tx.publish(keys.answers, m);
    // WATCH, then check the lease, then EXEC: the EXEC aborts if the lease changed after the
    // check, so a former holder (paused past its TTL) writes nothing.
    await this.redis.watch(keys.lease);
    const holder = await this.redis.get(keys.lease);
    if (holder !== token) {
      await this.redis.unwatch();
      throw new LedgerFencedError(`lease is now ${holder ?? 'free'}`);
    }
    const exec = tx.exec();
    // Sent right behind the EXEC on the same connection: it costs the replication round trip only.
    const wait = durability ? waitForReplicas(this.redis, keys.positions, durability.replicas, durability.timeoutMs) : undefined;
    wait?.catch(() => undefined);
    const result = await exec;
    if (result === null) throw new LedgerFencedError('lease changed during the commit');
    const failed = result.find(([err]) => err);
    if (failed) throw new Error(`ledger commit command failed: ${failed[0]!.message}`);
    this.lastRenew = this.lastCommit = Date.now();
    this.accountSequences = counters;
    for (const [field, id] of unsaved) if (this.unsaved.get(field) === id) this.unsaved.delete(field);
    const outboxIds = outbox.map((_, i) => result[firstOutboxReply + i]![1] as string);
    if (!durability || !wait) return { messages, outboxIds, replicated: true };
    if ((await wait) < durability.replicas) {
      // The commit stands; what it would answer or push is withheld, as if lost in transit
      // (requesters time out and read the outcome; clients see a gap in account_sequence).
      if (this.replicaShortfalls++ % 1000 === 0) this.o.log.warn(`no replica confirmed a commit within ${durability.timeoutMs} ms (XT_DURABILITY=replica): its answers and private messages are not sent`, { shard: this.o.shard });
      return { messages: new Map(), outboxIds, replicated: false };
    }
    this.publish(published);
    return { messages, outboxIds, replicated: true };
  }

  /** Nothing to do: keep the lease and wait briefly for a command. */
  private async idle(): Promise<void> {
    if (Date.now() - this.lastRenew > this.leaseMs / 3) {
      const ok = await this.lease.renew(JSON.stringify({ writer_id: this.o.writerId, ts: Date.now() }), this.leaseMs);
      if (!ok) {
        this.ledger = undefined;
        return;
      }
      this.lastRenew = Date.now();
    }
    if (this.woken || this.stopped) return;
    // A command for the shard ends the read; an engine's outcome ends the wait (the read stays
    // pending and serves the next idle).
    this.pendingRead ??= this.blocking.xread('COUNT', 1, 'BLOCK', this.blockMs, 'STREAMS', this.keys.commands, this.positions.get(LEDGER_POSITIONS.commands) ?? '0-0').then(
      () => {
        this.pendingRead = undefined;
        return undefined;
      },
      (e: Error) => {
        this.pendingRead = undefined;
        return e;
      },
    );
    const woken = new Promise<undefined>((resolve) => (this.wakeUp = () => resolve(undefined)));
    const failed = await Promise.race([this.pendingRead, woken]);
    this.wakeUp = undefined;
    if (failed) throw failed;
  }
}
