import { createRedis, whenReady, withDeadline, type Durability, type Logger, type RedisClient, type RedisTarget } from '@xtrader/platform';
import { compareStreamIds, DEFAULT_ACCOUNT_TRADES_MAX, ENGINE_ERROR, isFinished, streamIdTime, symbolKeys, type Heartbeat, type MarketSpec, type SymbolKeys } from '@xtrader/protocol';
import type { RawEntry } from './commands';
import { DEFAULT_RUNNER_SETTINGS } from '../env';
import { CommitWriter, eventRow, FencedError, type CommitResult, type EncodedCommit, type SnapshotWrite } from './commit-writer';
import { trimEventsBehindLedger } from './events-trim';
import { Lease } from './lease';
import type { RunnerMetrics } from './metrics';
import { EngineScripts } from './scripts';
import { decodeSnapshot, encodeSnapshot, type PiecesRef, type SnapshotHead } from './snapshot-pieces';
import { SymbolState, type Applied, type EngineSnapshot, type EngineSnapshotV1, type EngineSnapshotV2, type EngineSnapshotV3 } from './symbol-state';

/**
 * How long a read may go unanswered past its own blocking time before the connection is
 * presumed stuck (a server restart can strand a command in flight) and replaced; the loop then
 * recovers from what Redis says is committed.
 */
const READ_GRACE_MS = 1_000;

/**
 * Open orders up to which a snapshot is encoded within the batch that made it due (it takes a few
 * milliseconds); a deeper book's is encoded apart, with nothing in flight (see snapshotDeepBook).
 */
const INLINE_SNAPSHOT_ORDERS = 20_000;

/** Snapshot pieces per list write or read: each piece is bounded, so each command is too. */
const PIECES_PER_CALL = 4;

/**
 * TTL of a snapshot's pieces until the commit that makes it current persists them: pieces
 * whose snapshot never became current (the writer lost the lease, crashed) expire by themselves.
 */
const PIECES_TTL_MS = 86_400_000;

/** Settings of one symbol's runner; every field but the first four has a default (env.ts states those of the environment's settings). */
export interface RunnerOptions {
  spec: MarketSpec;
  /** Redis: a URL, or a cluster's seed nodes (`redisTarget(env)`). */
  redisUrl: RedisTarget;
  engineId: string;
  log: Logger;
  prefix?: string;
  /** Lease TTL (`ENGINE_LEASE_MS`). A paused holder loses the symbol after this long. */
  leaseMs?: number;
  /**
   * The lease TTL while recovering (`ENGINE_RECOVERY_LEASE_MS`, raised to leaseMs if smaller):
   * long enough for the longest single step of a recovery, which may block the event loop.
   */
  recoveryLeaseMs?: number;
  /** How long one XREAD blocks when the stream is idle (`ENGINE_BLOCK_MS`, kept below leaseMs / 3). */
  blockMs?: number;
  /** Commands per batch (`ENGINE_BATCH_SIZE`). */
  batchSize?: number;
  /** Tries of a command that fails before it is skipped with ENGINE_ERROR (`ENGINE_POISON_TRIES`). */
  poisonTries?: number;
  /** Snapshot after this many commands (`ENGINE_SNAPSHOT_EVERY`)... */
  snapshotEvery?: number;
  /** ...or this long after the previous one when anything changed (`ENGINE_SNAPSHOT_MS`). */
  snapshotMs?: number;
  /**
   * The ledger's account shards (`XT_LEDGER_SHARDS`): after each snapshot the events stream is
   * trimmed behind the slowest of them, never past what one has not settled.
   */
  ledgerShards?: number;
  /**
   * The events stream's retention of its own (`ENGINE_EVENTS_MAXLEN` entries, `ENGINE_EVENTS_MAX_AGE_MS`
   * old; 0: no age bound), combined with the ledger's: what either keeps is kept.
   */
  eventsMaxLen?: number;
  eventsMaxAgeMs?: number;
  /** Approximate cap of the feed stream (default 10,000 messages). */
  feedMaxLen?: number;
  /** TTL of the stored state of finished orders (`ENGINE_FINISHED_TTL_S`). */
  finishedTtlS?: number;
  /** Finished orders' states kept at most; the oldest are deleted first (`ENGINE_FINISHED_MAX`). */
  finishedMax?: number;
  /** Fills kept per account in its trade list on this symbol (default {@link DEFAULT_ACCOUNT_TRADES_MAX}). */
  accountTradesMax?: number;
  /** Fills kept per order in its fill list (`ENGINE_ORDER_FILLS_MAX`). */
  orderFillsMax?: number;
  /** Trim the command stream up to the previous snapshot (`ENGINE_TRIM_COMMANDS`). */
  trimCommands?: boolean;
  /** `XT_DURABILITY=replica`: a batch's outcomes are published only once a replica has its commit. */
  durability?: Durability;
  metrics?: RunnerMetrics;
}

type Settings = Required<Omit<RunnerOptions, 'metrics' | 'durability'>> & Pick<RunnerOptions, 'metrics' | 'durability'>;

/** A batch's transaction, built and ready to be sent. */
interface Prepared {
  commit: EncodedCommit;
  count: number;
  lastTs: number;
  /** The position of the snapshot this commit makes current, if it does. */
  snapshotAt?: string;
  /** When the engine took the batch up (ms since epoch), for the read -> committed hop. */
  readAt: number;
}

/** A snapshot encoded (and its pieces written, if it has any), to be made current by the next commit. */
interface ReadySnapshot {
  position: string;
  head: string;
  pieces?: string;
}

/** An XREAD answer as ioredis gives it (null when the block timed out). */
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** What the commit needs of a batch once it is applied (no event objects: their text). */
interface AppliedBatch {
  /** The position before the batch (the committed one, once the previous commit has landed). */
  startPosition: string;
  firstId: string;
  count: number;
  /** Time of the last command (0 if it was malformed). */
  lastTs: number;
  /** When the engine took the batch up (ms since epoch). */
  readAt: number;
  eventRows: string[];
  /** Poison commands the batch skipped, with their errors. */
  skipped: [id: string, error: string][];
}

/** Applying one command failed, or preparing the commit of a batch holding only it: it is to blame. */
class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
  constructor(
    readonly commandId: string,
    override readonly cause: unknown,
  ) {
    super(`command ${commandId}: ${errorText(cause)}`);
  }
}

/** Preparing the commit of a batch of several commands failed: which one is to blame is not known. */
class BatchFailure extends Error {
  override readonly name = 'BatchFailure';
  constructor(
    readonly lastId: string,
    override readonly cause: unknown,
  ) {
    super(`batch up to ${lastId}: ${errorText(cause)}`);
  }
}

/** What is recorded of a failure (bounded: an error message may quote its input). */
function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 500);
}

/**
 * The single writer of one symbol: holds the lease, reads the command stream in batches from
 * the committed position, applies them to the pure state, and commits each batch atomically
 * (WATCH lease + MULTI/EXEC), so a former holder can never write after losing the lease.
 */
export class SymbolRunner {
  readonly keys: SymbolKeys;
  private readonly o: Settings;
  private readonly reader: RedisClient;
  private readonly writer: RedisClient;
  /** Writes snapshot pieces, off the commit connection (a deep book's pieces take a while). */
  private readonly snapper: RedisClient;
  private readonly lease: Lease;
  private readonly commits: CommitWriter;
  private state: SymbolState | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private lastRenewAt = 0;
  private commandsSinceSnapshot = 0;
  private lastSnapshotAt = 0;
  private lastSnapshotPosition: string | undefined;
  /** The pieces list of the current snapshot, when it has one. */
  private livePieces: string | undefined;
  /** A deep snapshot's pieces being written (at most one at a time). */
  private writingSnapshot: Promise<void> | undefined;
  /** A deep book's snapshot is due: encoded at the start of the next step. */
  private snapshotWanted = false;
  /** Pieces written, waiting for the commit that makes them current. */
  private readySnapshot: ReadySnapshot | undefined;
  private done: Promise<void> | undefined;
  /** The read of the next batch, sent while the current one is applied (at most one). */
  private prefetched: { from: string; reply: Promise<ReadReply> } | undefined;
  /** The commit sent but not yet answered (at most one). */
  private inflight: Promise<void> | undefined;
  /**
   * Poison commands to skip, by id, with their errors: those recorded in `keys.skipped` (loaded
   * by each recovery) and those found since; dropped once a committed snapshot is past them.
   */
  private readonly poison = new Map<string, string>();
  /** The command whose application failed last, and how many times in a row. */
  private failing: { id: string; tries: number } | undefined;
  /**
   * Set after a batch of several commands failed to prepare: commands are then read one a
   * batch up to this id, so that a failure names the one command to blame.
   */
  private isolateUntil: string | undefined;
  /** The length of `keys.finished` as of the last commit prepared (read at each recovery). */
  private finishedLength = 0;
  /** The read of the finished list's tail beyond `finishedMax`, at most one at a time. */
  private evicting: Promise<void> | undefined;
  /** The ids that read gave, for the next commit to delete (if no recovery came in between). */
  private eviction: { ids: string[]; recovery: number } | undefined;
  /** Counts recoveries: an eviction read before one is stale. */
  private recoveries = 0;
  /** Resolves the next time this runner holds the lease with a recovered state (tests, main). */
  private leaderWaiters: (() => void)[] = [];
  /** Ids of the events entries this runner appended, oldest first (the newest eventsMaxLen at least). */
  private eventIds: string[] = [];
  /** The events trim under way, if one is. */
  private trimming: Promise<void> | undefined;
  /** With durability: whether the last commit's wait for a replica fell short. */
  private replicaShort = false;

  constructor(opts: RunnerOptions) {
    this.o = {
      ...DEFAULT_RUNNER_SETTINGS,
      feedMaxLen: 10_000,
      accountTradesMax: DEFAULT_ACCOUNT_TRADES_MAX,
      ...opts,
    };
    this.o.blockMs = Math.max(1, Math.min(this.o.blockMs, Math.floor(this.o.leaseMs / 3)));
    this.o.recoveryLeaseMs = Math.max(this.o.recoveryLeaseMs, this.o.leaseMs);
    this.keys = symbolKeys(opts.spec.symbol, this.o.prefix);
    // Fail fast while disconnected and never re-send a half-known command after a reconnect: a
    // commit whose fate is unknown is handled by recovering from what Redis says is committed.
    const policy = { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 };
    this.reader = createRedis(opts.redisUrl, `engine-read-${opts.spec.symbol}`, policy);
    this.writer = createRedis(opts.redisUrl, `engine-write-${opts.spec.symbol}`, policy);
    this.snapper = createRedis(opts.redisUrl, `engine-snapshot-${opts.spec.symbol}`, policy);
    const scripts = new EngineScripts(this.writer);
    this.lease = new Lease(scripts, this.keys, opts.engineId, this.o.leaseMs);
    this.commits = new CommitWriter(this.writer, scripts, this.keys, { symbol: opts.spec.symbol, ...this.o });
  }

  get symbol(): string {
    return this.o.spec.symbol;
  }

  /** True while this runner holds the lease with a recovered state. */
  get isLeader(): boolean {
    return this.lease.token !== undefined && this.state !== undefined;
  }

  /** The committed position as this runner knows it. */
  get position(): string | undefined {
    return this.state?.position;
  }

  /** Starts the loop (idempotent); the promise settles when `stop` has finished. */
  start(): Promise<void> {
    this.done ??= this.loop();
    return this.done;
  }

  /** Finishes the current batch, releases the lease and closes the connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await (this.done ?? Promise.resolve());
    this.done ??= Promise.resolve();
  }

  /** Resolves once this runner leads its symbol. */
  whenLeader(): Promise<void> {
    if (this.isLeader) return Promise.resolve();
    return new Promise((resolve) => this.leaderWaiters.push(resolve));
  }

  /** Resolves when both connections are up (at boot: no spurious "not writeable" errors). */
  private async connected(): Promise<void> {
    await Promise.race([Promise.all([whenReady(this.reader), whenReady(this.writer)]), new Promise<void>((resolve) => (this.wake = resolve))]);
  }

  private async loop(): Promise<void> {
    const { log } = this.o;
    let backoff = 50;
    await this.connected();
    while (!this.stopping) {
      try {
        if (!this.lease.token) {
          if (!(await this.lease.acquire())) {
            await this.pause(Math.max(50, Math.floor(this.o.leaseMs / 5)));
            continue;
          }
          await this.recover();
          this.o.metrics?.leader.set({ symbol: this.symbol }, 1);
          log.info('lease acquired', { symbol: this.symbol, token: this.lease.token, position: this.state?.position });
          for (const w of this.leaderWaiters.splice(0)) w();
        }
        await this.step();
        backoff = 50;
      } catch (e) {
        // Let a commit still in flight land (or fail) before anything is rebuilt from Redis.
        await this.settle().catch(() => undefined);
        this.state = undefined;
        this.prefetched = undefined;
        // A snapshot of the dropped state is never made current (its pieces expire).
        this.readySnapshot = undefined;
        this.snapshotWanted = false;
        this.o.metrics?.leader.set({ symbol: this.symbol }, 0);
        if (e instanceof FencedError) {
          this.lease.lost();
          this.o.metrics?.fenced.inc({ symbol: this.symbol });
          log.warn('stepping down: lease lost', { symbol: this.symbol, reason: e.message });
          continue;
        }
        if (e instanceof CommandFailure) this.failed(e);
        else if (e instanceof BatchFailure) this.isolateUntil = e.lastId;
        // Redis gone, a commit of unknown fate or a command that failed half-way: keep the token
        // (the lease may still be ours), then rebuild the state from what Redis has committed.
        this.lease.suspend();
        log.warn('engine loop error; recovering', { symbol: this.symbol, error: (e as Error).message });
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
    try {
      await this.settle();
    } catch (e) {
      log.warn('last commit failed at shutdown', { symbol: this.symbol, error: (e as Error).message });
      this.lease.lost();
    }
    try {
      if (this.lease.token) await this.lease.release();
    } catch (e) {
      log.warn('could not release lease', { symbol: this.symbol, error: (e as Error).message });
    }
    this.o.metrics?.leader.set({ symbol: this.symbol }, 0);
    await this.writingSnapshot;
    this.reader.disconnect();
    this.writer.disconnect();
    this.snapper.disconnect();
  }

  /**
   * Counts one more failure of a command; at the last try it becomes poison: the next apply
   * skips it (ENGINE_ERROR to its sender) and records the skip in the commit that moves past it.
   */
  private failed(e: CommandFailure): void {
    const tries = this.failing?.id === e.commandId ? this.failing.tries + 1 : 1;
    this.failing = { id: e.commandId, tries };
    if (tries < this.o.poisonTries) return;
    this.failing = undefined;
    const error = errorText(e.cause);
    this.poison.set(e.commandId, error);
    this.o.log.error('poison command skipped', { symbol: this.symbol, command: e.commandId, tries, code: ENGINE_ERROR, error });
    this.o.metrics?.poisoned.inc({ symbol: this.symbol });
  }

  /** Sleeps, but wakes at once on `stop`. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private heartbeat(): string {
    const hb: Heartbeat = { engine_id: this.o.engineId, fence: this.lease.fence, position: this.state?.position, ts: Date.now() };
    return JSON.stringify(hb);
  }

  /**
   * Restores the latest snapshot and re-applies the committed commands after it, writing nothing.
   *
   * Restoring a deep book takes longer than the lease, partly in steps that block the event loop
   * (parsing the snapshot, rebuilding the book), during which no timer could renew it. So the
   * lease is renewed before and after each step with the recovery TTL, which covers one step,
   * and between replayed chunks; a refused renewal means another engine holds the symbol, and
   * the recovery stops there. At the end the lease goes back to its own TTL, so a holder that
   * dies after recovering is replaced as fast as any other.
   */
  private async recover(): Promise<void> {
    const recovery = new RecoveryHold(this.lease, () => this.heartbeat(), this.o.leaseMs, this.o.recoveryLeaseMs);
    const ms: Record<'read' | 'parse' | 'restore' | 'replay', number> = { read: 0, parse: 0, restore: 0, replay: 0 };
    let t = Date.now();
    const lap = (step: keyof typeof ms) => {
      const now = Date.now();
      ms[step] += now - t;
      t = now;
    };
    await recovery.renew();
    this.recoveries++;
    this.eviction = undefined;
    const [[e1, snapJson], [e2, committed], [e3, skipped], [e4, finished]] = (await this.writer
      .pipeline()
      .get(this.keys.snapshot)
      .get(this.keys.position)
      .hgetall(this.keys.skipped)
      .llen(this.keys.finished)
      .exec()) as [[Error | null, string | null], [Error | null, string | null], [Error | null, Record<string, string>], [Error | null, number]];
    if (e1 || e2 || e3 || e4) throw e1 ?? e2 ?? e3 ?? e4;
    this.finishedLength = finished;
    for (const [id, error] of Object.entries(skipped)) this.poison.set(id, error);
    lap('read');
    let snap: EngineSnapshot | EngineSnapshotV1 | EngineSnapshotV2 | EngineSnapshotV3 | undefined;
    let state: SymbolState;
    this.livePieces = undefined;
    if (snapJson) {
      await recovery.renew();
      t = Date.now();
      const stored = JSON.parse(snapJson) as EngineSnapshot | EngineSnapshotV1 | EngineSnapshotV2 | EngineSnapshotV3 | SnapshotHead;
      if (stored.v === 5) {
        this.livePieces = stored.pieces.key;
        snap = await decodeSnapshot(stored, (ref) => this.readPieces(ref, recovery));
      } else {
        snap = stored;
      }
      lap('parse');
      await recovery.renew();
      t = Date.now();
      state = SymbolState.fromSnapshot(this.o.spec, snap, this.o.orderFillsMax);
      lap('restore');
      await recovery.renew();
    } else {
      state = SymbolState.fresh(this.o.spec, this.o.orderFillsMax);
    }
    const target = committed ?? '0-0';
    let replayed = 0;
    t = Date.now();
    while (compareStreamIds(state.position, target) < 0) {
      const entries = (await this.writer.xrange(this.keys.commands, `(${state.position}`, target, 'COUNT', 1000)) as RawEntry[];
      if (entries.length === 0) throw new Error(`command stream no longer holds ${state.position}..${target}: cannot replay`);
      for (const entry of entries) {
        if (this.poison.has(entry[0])) state.skipEntry(entry);
        else state.applyEntry(entry);
      }
      replayed += entries.length;
      // Everything replayed is already committed: drop each chunk's pending writes and feed
      // messages instead of repeating them (and instead of holding a long replay's in memory).
      state.orders.takeBatch();
      state.md.takeChanges();
      await recovery.renewWhenDue();
    }
    lap('replay');
    await recovery.finish();
    this.lastRenewAt = Date.now();
    this.state = state;
    this.commandsSinceSnapshot = replayed;
    this.lastSnapshotAt = Date.now();
    this.lastSnapshotPosition = snap?.position;
    this.o.log.info('state recovered', { symbol: this.symbol, snapshot: snap?.position ?? null, replayed, position: state.position, renewals: recovery.renewals, ms });
  }

  /**
   * Encodes a deep book's snapshot, which blocks the event loop for a while (it grows with the
   * book): first every command in flight is answered (their deadlines would expire while it
   * runs) and the lease is extended by the recovery TTL; then its pieces are written in the
   * background while the symbol goes on.
   */
  private async snapshotDeepBook(state: SymbolState): Promise<void> {
    this.snapshotWanted = false;
    await this.settle();
    await this.prefetched?.reply.catch(() => undefined);
    if (!(await this.lease.renew(this.heartbeat(), this.o.leaseMs, this.o.recoveryLeaseMs))) throw new FencedError('renewal refused');
    // Back to the lease's own TTL at the next step.
    this.lastRenewAt = 0;
    const encoded = encodeSnapshot(state.snapshot());
    if (!encoded.pieces) this.readySnapshot = { position: state.position, head: encoded.json };
    else this.writingSnapshot = this.writePieces(state.position, encoded.pieces, encoded.head);
  }

  /** A snapshot's pieces in order, a few per read, renewing the recovery's lease when due. */
  private async *readPieces(ref: PiecesRef, recovery: RecoveryHold): AsyncGenerator<string> {
    for (let i = 0; i < ref.count; i += PIECES_PER_CALL) {
      await recovery.renewWhenDue();
      yield* await this.writer.lrange(ref.key, i, Math.min(i + PIECES_PER_CALL, ref.count) - 1);
    }
  }

  /**
   * Writes a deep snapshot's pieces to their own list (a few bounded pieces per command, so no
   * write holds Redis up for long), then leaves it for the next commit to make current. The list
   * is new (named by fence and position) and nothing reads it before that commit: a writer that
   * lost the lease meanwhile writes nothing anyone uses, and its pieces expire.
   */
  private async writePieces(position: string, pieces: string[], head: (ref: PiecesRef) => string): Promise<void> {
    const token = this.lease.token;
    const key = this.keys.snapshotPieces(`${this.lease.fence ?? 0}-${position}`);
    try {
      await this.snapper.del(key);
      for (let i = 0; i < pieces.length; i += PIECES_PER_CALL) {
        if (this.lease.token !== token) return;
        const p = this.snapper.pipeline().rpush(key, ...pieces.slice(i, i + PIECES_PER_CALL));
        if (i === 0) p.pexpire(key, PIECES_TTL_MS);
        for (const [err] of (await p.exec()) ?? []) if (err) throw err;
      }
      if (this.lease.token === token && this.state?.position !== undefined && compareStreamIds(this.state.position, position) >= 0) {
        this.readySnapshot = { position, head: head({ key, count: pieces.length }), pieces: key };
        this.wake?.();
      }
    } catch (e) {
      this.o.log.warn('could not write snapshot pieces', { symbol: this.symbol, position, error: (e as Error).message });
    } finally {
      this.writingSnapshot = undefined;
    }
  }

  /**
   * One iteration: renew when due, read a batch, apply it, and hand it to the committer. The
   * commit of batch N runs while batch N+1 is read and applied, and under a backlog the read
   * of batch N+2 is already on its way too (Redis and JS work overlap); commits stay strictly
   * one after another, and any failure drops the in-memory state.
   */
  private async step(): Promise<void> {
    const state = this.state!;
    if (this.snapshotWanted && !this.writingSnapshot) await this.snapshotDeepBook(state);
    if (Date.now() - this.lastRenewAt >= this.o.leaseMs / 4) {
      // Never between another commit's WATCH and EXEC: a renewal touches the watched lease.
      await this.settle();
      if (!(await this.lease.renew(this.heartbeat(), this.o.leaseMs))) throw new FencedError('renewal refused');
      this.lastRenewAt = Date.now();
    }
    // One command a batch while the culprit of a failed batch is looked for.
    if (this.isolateUntil !== undefined && compareStreamIds(state.position, this.isolateUntil) >= 0) this.isolateUntil = undefined;
    const isolating = this.isolateUntil !== undefined;
    const early = this.prefetched;
    this.prefetched = undefined;
    const reply = await (early?.from === state.position && !isolating ? early.reply : this.read(state.position, isolating ? 1 : this.o.batchSize));
    if (!reply || reply.length === 0 || reply[0][1].length === 0) {
      await this.settle();
      // Idle: a snapshot whose pieces are written is made current by a commit of no commands.
      if (this.readySnapshot) this.inflight = this.startCommit(this.prepare(state, { startPosition: state.position, firstId: state.position, count: 0, lastTs: 0, readAt: Date.now(), eventRows: [], skipped: [] }));
      return;
    }
    const entries = reply[0][1];
    // A full batch means a backlog: read the next one while this one is applied (the stream
    // after a position never changes, so the early reply is exactly what a later read gives).
    if (!isolating && entries.length === this.o.batchSize) {
      const from = entries[entries.length - 1][0];
      this.prefetched = { from, reply: this.read(from, this.o.batchSize) };
    }
    const readAt = Date.now();
    const batch: AppliedBatch = { startPosition: state.position, firstId: entries[0][0], count: entries.length, lastTs: 0, readAt, eventRows: [], skipped: [] };
    const appendedToRead = this.o.metrics?.hop('appended_to_engine_read');
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      // The command's append time is its stream id's ms part.
      appendedToRead?.observe(Math.max(0, readAt - streamIdTime(entry[0])) / 1000);
      // Let processed entries and event objects die young: the commit keeps only their text.
      entries[i] = undefined as unknown as RawEntry;
      const poison = this.poison.get(entry[0]);
      let a: Applied;
      if (poison !== undefined) {
        a = state.skipEntry(entry);
        batch.skipped.push([a.id, poison]);
      } else {
        try {
          a = state.applyEntry(entry);
        } catch (e) {
          throw new CommandFailure(entry[0], e);
        }
      }
      if (a.error) {
        this.o.log.error('skipping malformed command', { symbol: this.symbol, error: a.error });
        this.o.metrics?.skipped.inc({ symbol: this.symbol });
      }
      if (a.events.length > 0) batch.eventRows.push(eventRow(a));
      batch.lastTs = a.ts;
    }
    let prepared: Prepared;
    try {
      prepared = this.prepare(state, batch);
    } catch (e) {
      throw batch.count === 1 ? new CommandFailure(batch.firstId, e) : new BatchFailure(state.position, e);
    }
    await this.settle();
    this.inflight = this.startCommit(prepared);
    this.evictWhenDue();
  }

  /**
   * Past `finishedMax` finished orders (and a slack of a thousandth, so reads come in chunks),
   * reads the oldest ids beyond it, for the next commit to delete. Sent on the commit connection
   * after the commit just sent, so it sees that commit's trim: the tail is never read twice.
   */
  private evictWhenDue(): void {
    const over = this.finishedLength - this.o.finishedMax;
    if (this.evicting || this.eviction || over <= Math.floor(this.o.finishedMax / 1000)) return;
    const recovery = this.recoveries;
    const n = Math.min(over, 10_000);
    this.evicting = this.writer
      .lrange(this.keys.finished, -n, -1)
      .then((ids) => {
        if (recovery === this.recoveries) this.eviction = { ids, recovery };
      })
      .catch(() => undefined)
      .finally(() => (this.evicting = undefined));
  }

  /** Reads the batch after `from` (blocking up to blockMs when there is none yet). */
  private read(from: string, count: number): Promise<ReadReply> {
    const read = this.reader.xread('COUNT', count, 'BLOCK', this.o.blockMs, 'STREAMS', this.keys.commands, from);
    const reply = withDeadline(this.reader, read, this.o.blockMs + READ_GRACE_MS, 'reading commands') as Promise<ReadReply>;
    // An early read may be dropped unobserved (step-down, stop); its failure then means nothing.
    reply.catch(() => undefined);
    return reply;
  }

  /** Waits for the commit in flight; rethrows its failure. */
  private async settle(): Promise<void> {
    const inflight = this.inflight;
    this.inflight = undefined;
    if (inflight) await inflight;
  }

  /** Builds a batch's commit from the state right after the batch (synchronously). */
  private prepare(state: SymbolState, applied: AppliedBatch): Prepared {
    const { o } = this;
    // Taken before a snapshot is serialised: the snapshot holds nothing of the batch still to write.
    const orders = state.orders.takeBatch();
    const market = state.md.takeChanges();
    this.commandsSinceSnapshot += applied.count;
    const snapshotDue =
      this.commandsSinceSnapshot >= o.snapshotEvery || (this.commandsSinceSnapshot > 0 && Date.now() - this.lastSnapshotAt >= o.snapshotMs);
    let snapshot: SnapshotWrite | undefined;
    let snapshotAt: string | undefined;
    const current = (position: string, json: string, pieces?: string): SnapshotWrite => {
      // Keep one snapshot interval of history behind the newest snapshot, never less.
      const write: SnapshotWrite = { json, skippedThrough: [...this.poison.keys()].filter((id) => compareStreamIds(id, position) <= 0) };
      if (o.trimCommands && this.lastSnapshotPosition) write.trimBefore = this.lastSnapshotPosition;
      if (pieces) write.pieces = pieces;
      if (this.livePieces) write.dropPieces = this.livePieces;
      this.lastSnapshotPosition = snapshotAt = position;
      this.livePieces = pieces;
      return write;
    };
    if (this.readySnapshot) {
      snapshot = current(this.readySnapshot.position, this.readySnapshot.head, this.readySnapshot.pieces);
      this.readySnapshot = undefined;
    }
    if (snapshotDue && !snapshot && !this.writingSnapshot && !this.snapshotWanted) {
      this.commandsSinceSnapshot = 0;
      this.lastSnapshotAt = Date.now();
      // A small book is encoded at once and goes with this batch; a deep one at the next step.
      if (state.orders.openCount > INLINE_SNAPSHOT_ORDERS) this.snapshotWanted = true;
      else {
        const encoded = encodeSnapshot(state.snapshot());
        if (!encoded.pieces) snapshot = current(state.position, encoded.json);
        else this.writingSnapshot = this.writePieces(state.position, encoded.pieces, encoded.head);
      }
    }
    const finished = orders.changed.reduce((n, rec) => (isFinished(rec.status) ? n + 1 : n), 0);
    const evict = this.eviction?.recovery === this.recoveries ? this.eviction.ids : undefined;
    this.eviction = undefined;
    this.finishedLength += finished - (evict?.length ?? 0);
    const commit = this.commits.encode({
      startPosition: applied.startPosition,
      firstId: applied.firstId,
      lastId: state.position,
      lastSeq: state.core.lastSequence,
      eventRows: applied.eventRows,
      orders,
      market,
      heartbeat: this.heartbeat(),
      skipped: applied.skipped,
      ...(evict ? { evict } : {}),
      ...(snapshot ? { snapshot } : {}),
    });
    return { commit, count: applied.count, lastTs: applied.lastTs, readAt: applied.readAt, ...(snapshotAt ? { snapshotAt } : {}) };
  }

  /** Sends a prepared commit (fenced, see CommitWriter.send) and records its metrics. */
  private startCommit(p: Prepared): Promise<void> {
    const token = this.lease.token;
    if (!token) throw new FencedError('lease not held');
    // From sending, not from preparing: the batch may have waited for the previous commit.
    const started = process.hrtime.bigint();
    const done = this.commits.send(p.commit, token).then((result) => this.committed(p, started, result));
    // Observed by the next settle(); never left unhandled.
    done.catch(() => undefined);
    return done;
  }

  /**
   * Counts a commit's wait for a replica; a shortfall is logged when it starts and when it ends
   * (not per commit: without a replica every commit falls short).
   */
  private replicaWaited(replicated: boolean): void {
    this.o.metrics?.replicaWaits.inc({ symbol: this.symbol, result: replicated ? 'replicated' : 'short' });
    if (replicated === !this.replicaShort) return;
    this.replicaShort = !replicated;
    if (replicated) this.o.log.info('a replica confirms commits again: outcomes are published', { symbol: this.symbol });
    else this.o.log.warn(`no replica confirmed a commit within ${this.o.durability!.timeoutMs} ms (XT_DURABILITY=replica): its outcomes are not published`, { symbol: this.symbol });
  }

  /**
   * Trims the events stream behind the slowest ledger shard, in the background (one at a time):
   * housekeeping outside the commit, which any holder may do, since it only removes what every
   * shard has applied.
   */
  private trimEvents(): void {
    if (this.trimming) return;
    const { prefix, ledgerShards, log } = this.o;
    this.trimming = trimEventsBehindLedger(this.writer, this.keys, prefix, this.symbol, ledgerShards, this.eventsRetainFrom())
      .catch((e: unknown) => void log.warn('events trim failed; the next snapshot tries again', { symbol: this.symbol, error: (e as Error).message }))
      .then(() => void (this.trimming = undefined));
  }

  /**
   * The oldest events entry the engine's own retention keeps: the later of the
   * `eventsMaxLen`-th newest entry this runner appended (unknown until it has appended that
   * many) and the first entry younger than `eventsMaxAgeMs`; undefined when neither bounds it.
   */
  private eventsRetainFrom(): string | undefined {
    const { eventsMaxLen, eventsMaxAgeMs } = this.o;
    const byCount = this.eventIds.length >= eventsMaxLen ? this.eventIds[this.eventIds.length - eventsMaxLen] : undefined;
    const byAge = eventsMaxAgeMs > 0 ? `${Math.max(0, Date.now() - eventsMaxAgeMs)}-0` : undefined;
    if (byCount === undefined || byAge === undefined) return byCount ?? byAge;
    return compareStreamIds(byCount, byAge) > 0 ? byCount : byAge;
  }

  /** Records a committed batch's metrics. */
  private committed(p: Prepared, started: bigint, { eventsId, replicated }: CommitResult): void {
    this.lastRenewAt = Date.now();
    if (replicated !== undefined) this.replicaWaited(replicated);
    if (eventsId !== undefined) {
      this.eventIds.push(eventsId);
      if (this.eventIds.length >= 2 * this.o.eventsMaxLen) this.eventIds.splice(0, this.eventIds.length - this.o.eventsMaxLen);
    }
    // The committed snapshot reflects the skips up to it (the commit dropped them from `keys.skipped`).
    if (p.snapshotAt !== undefined) {
      for (const id of this.poison.keys()) if (compareStreamIds(id, p.snapshotAt) <= 0) this.poison.delete(id);
      this.trimEvents();
    }
    const m = this.o.metrics;
    if (m && p.count > 0) {
      const labels = { symbol: this.symbol };
      m.applied.inc(labels, p.count);
      m.batchSize.observe(labels, p.count);
      m.commitSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      if (p.lastTs > 0) m.lagMs.set(labels, Date.now() - p.lastTs);
      // One observation per command: the table is per order, whatever the batch size.
      const readToCommitted = m.hop('engine_read_to_committed');
      const seconds = Math.max(0, Date.now() - p.readAt) / 1000;
      for (let i = 0; i < p.count; i++) readToCommitted.observe(seconds);
    }
  }
}

/**
 * The lease during one recovery: each renewal extends it by the recovery TTL; `finish` puts
 * it back to the lease's own TTL. Any refusal throws {@link FencedError} (the lease moved on).
 */
class RecoveryHold {
  renewals = 0;
  private lastAt = 0;

  constructor(
    private readonly lease: Lease,
    private readonly heartbeat: () => string,
    private readonly leaseMs: number,
    private readonly recoveryLeaseMs: number,
  ) {}

  /** Renews now (before or after a step that may block). */
  async renew(ttlMs = this.recoveryLeaseMs): Promise<void> {
    if (!(await this.lease.renew(this.heartbeat(), this.leaseMs, ttlMs))) throw new FencedError('lease lost while recovering');
    this.renewals++;
    this.lastAt = Date.now();
  }

  /** Renews if a quarter of the lease has passed since the last renewal (between short steps). */
  async renewWhenDue(): Promise<void> {
    if (Date.now() - this.lastAt >= this.leaseMs / 4) await this.renew();
  }

  /** The recovery is over: the lease carries its own TTL again. */
  finish(): Promise<void> {
    return this.renew(this.leaseMs);
  }
}
