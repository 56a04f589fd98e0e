import { waitForReplicas, type Durability, type Logger, type RedisClient } from '@xtrader/platform';
import { accountShard, ERROR_STATUS, FIELDS, ledgerRequestAccount, ledgerShardKeys, XtError, type ErrorCode, type LedgerAnswer, type LedgerChannelMessage, type LedgerRequest, type LedgerShardKeys } from '@xtrader/protocol';
import { waitRequest, type Waiter } from '../orders/outcomes';

/** How long a request waits for its shard's answer when LEDGER_ANSWER_TIMEOUT_MS is unset. */
export const DEFAULT_LEDGER_ANSWER_TIMEOUT_MS = 5000;

export interface LedgerShardClientOptions {
  /** Command client: appends the requests. */
  redis: RedisClient;
  /** More command clients that appends rotate over (why: `DEFAULT_APPEND_CONNECTIONS` in app.ts). */
  appendRedis?: RedisClient[];
  /**
   * `XT_DURABILITY=replica`: a request is waited for only once a replica has its append (WAIT on
   * the connection that appended it), so a failover cannot lose a request that was answered.
   */
  durability?: Durability;
  /** A subscriber connection of its own: the answers of every shard arrive on it. */
  sub: RedisClient;
  prefix: string;
  shardCount: number;
  log: Logger;
  /** How long {@link LedgerShardClient.ask} waits (default {@link DEFAULT_LEDGER_ANSWER_TIMEOUT_MS}). */
  answerTimeoutMs?: number;
}

/** The error a shard's refusal is answered with (its own code when the exchange knows it). */
export function refusalError(answer: LedgerAnswer & { ok: false }): XtError {
  return new XtError(answer.code in ERROR_STATUS ? (answer.code as ErrorCode) : 'INTERNAL', answer.message);
}

/**
 * An api node's way to the ledger: appends a `LedgerRequest` (any kind) to the `commands` stream
 * of its account's shard and waits for the writer's answer, matched by `request_id`, on that
 * shard's `answers` channel. One subscriber connection listens to every shard's channel; the
 * waiter is registered before the append, so an answer cannot come before anyone listens.
 */
export class LedgerShardClient {
  readonly shardCount: number;
  readonly answerTimeoutMs: number;
  private readonly waiters = new Map<string, Waiter<LedgerAnswer>>();
  /** Channel -> shard index. */
  private readonly channels: Map<string, number>;
  /** How far each shard has applied each symbol's events, by `${shard} ${symbol}`, as last published. */
  private readonly applied = new Map<string, number>();
  private readonly appliedWaiters = new Map<string, Set<{ seq: number; done: () => void }>>();
  private readonly appends: RedisClient[];
  private nextAppend = 0;

  constructor(private readonly o: LedgerShardClientOptions) {
    this.shardCount = o.shardCount;
    this.answerTimeoutMs = o.answerTimeoutMs ?? DEFAULT_LEDGER_ANSWER_TIMEOUT_MS;
    this.appends = [o.redis, ...(o.appendRedis ?? [])];
    this.channels = new Map(Array.from({ length: o.shardCount }, (_, shard) => [ledgerShardKeys(shard, o.prefix).answers, shard]));
    o.sub.on('message', (channel: string, message: string) => {
      const shard = this.channels.get(channel);
      if (shard !== undefined) this.dispatch(shard, message);
    });
  }

  /** Subscribes to every shard's answers; call before the first {@link ask}. */
  async start(): Promise<void> {
    await this.o.sub.subscribe(...this.channels.keys());
  }

  /** The keys of the shard that owns `accountId`. */
  keysOf(accountId: string): LedgerShardKeys {
    return ledgerShardKeys(accountShard(accountId, this.shardCount), this.o.prefix);
  }

  /**
   * Appends `req` to its account's shard and resolves with the writer's answer, or undefined when
   * none came within `timeoutMs` (the request is durable and may still be applied: a caller
   * that retries must send the same request, which the ledger answers as the first).
   */
  async ask(req: LedgerRequest, timeoutMs = this.answerTimeoutMs): Promise<LedgerAnswer | undefined> {
    if (this.waiters.has(req.request_id)) throw new Error(`ledger request ${req.request_id} is already waiting for its answer`);
    const wait = waitRequest(this.waiters, req.request_id, timeoutMs);
    try {
      const client = this.appends[this.nextAppend++ % this.appends.length]!;
      const stream = this.keysOf(ledgerRequestAccount(req)).commands;
      await client.xadd(stream, '*', FIELDS.command, JSON.stringify(req));
      if (this.o.durability) await this.replicated(client, stream);
    } catch (e) {
      wait.cancel();
      throw e;
    }
    return wait.promise;
  }

  /**
   * Waits until a replica has the append just made to `stream`. Refused when none confirms in
   * time: the request is in the primary's stream and will most likely be applied, but a failover
   * now could lose it, and an answer promises that it cannot.
   */
  private async replicated(client: RedisClient, stream: string): Promise<void> {
    const { replicas, timeoutMs } = this.o.durability!;
    const acked = await waitForReplicas(client, stream, replicas, timeoutMs).catch((e: Error) => {
      throw new XtError('SERVICE_UNAVAILABLE', `the request was appended, but whether a replica has it is unknown (${e.message})`);
    });
    if (acked < replicas) {
      throw new XtError(
        'SERVICE_UNAVAILABLE',
        `the request was appended on its ledger shard's Redis primary, but no replica confirmed it within ${timeoutMs} ms (XT_DURABILITY=replica): read the order (or the balance) before sending it again, or retry with the same client_order_id (tx_id)`,
      );
    }
  }

  /**
   * Resolves true once the shard of `accountId` has applied `symbol`'s engine events up to `seq`
   * (what they did to the account's funds is then in its balances), false after `timeoutMs`
   * (the shard is slow or down, or its progress message was missed).
   */
  whenApplied(accountId: string, symbol: string, seq: number, timeoutMs: number): Promise<boolean> {
    const key = `${accountShard(accountId, this.shardCount)} ${symbol}`;
    if ((this.applied.get(key) ?? -1) >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      let set = this.appliedWaiters.get(key);
      if (!set) this.appliedWaiters.set(key, (set = new Set()));
      const waiters = set;
      const entry = {
        seq,
        done: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(entry);
        if (waiters.size === 0 && this.appliedWaiters.get(key) === waiters) this.appliedWaiters.delete(key);
        resolve(false);
      }, timeoutMs);
      waiters.add(entry);
    });
  }

  private dispatch(shard: number, message: string): void {
    let msg: LedgerChannelMessage;
    try {
      msg = JSON.parse(message) as LedgerChannelMessage;
    } catch {
      this.o.log.warn('unreadable ledger answer');
      return;
    }
    if ('kind' in msg) {
      if (msg.kind === 'applied') for (const p of msg.positions) this.progress(`${shard} ${p.symbol}`, p.seq);
      return;
    }
    this.waiters.get(msg.request_id)?.(msg);
  }

  private progress(key: string, seq: number): void {
    if ((this.applied.get(key) ?? -1) >= seq) return;
    this.applied.set(key, seq);
    const waiters = this.appliedWaiters.get(key);
    if (!waiters) return;
    for (const w of waiters) {
      if (w.seq > seq) continue;
      waiters.delete(w);
      w.done();
    }
    if (waiters.size === 0) this.appliedWaiters.delete(key);
  }
}
