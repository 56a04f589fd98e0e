import type { Logger, RedisClient } from '@xtrader/platform';
import { accountShard, FIELDS, ledgerRequestAccount, ledgerShardKeys, type LedgerAnswer, type LedgerRequest, type LedgerShardKeys } from '@xtrader/protocol';
import { waitRequest, type Waiter } from '../orders/outcomes';

/** How long a request waits for its shard's answer when LEDGER_ANSWER_TIMEOUT_MS is unset. */
export const DEFAULT_LEDGER_ANSWER_TIMEOUT_MS = 5000;

export interface LedgerShardClientOptions {
  /** Command client: appends the requests. */
  redis: RedisClient;
  /** A subscriber connection of its own: the answers of every shard arrive on it. */
  sub: RedisClient;
  prefix: string;
  shardCount: number;
  log: Logger;
  /** How long {@link LedgerShardClient.ask} waits (default {@link DEFAULT_LEDGER_ANSWER_TIMEOUT_MS}). */
  answerTimeoutMs?: number;
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
  private readonly channels: Set<string>;

  constructor(private readonly o: LedgerShardClientOptions) {
    this.shardCount = o.shardCount;
    this.answerTimeoutMs = o.answerTimeoutMs ?? DEFAULT_LEDGER_ANSWER_TIMEOUT_MS;
    this.channels = new Set(Array.from({ length: o.shardCount }, (_, shard) => ledgerShardKeys(shard, o.prefix).answers));
    o.sub.on('message', (channel: string, message: string) => {
      if (this.channels.has(channel)) this.dispatch(message);
    });
  }

  /** Subscribes to every shard's answers; call before the first {@link ask}. */
  async start(): Promise<void> {
    await this.o.sub.subscribe(...this.channels);
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
      await this.o.redis.xadd(this.keysOf(ledgerRequestAccount(req)).commands, '*', FIELDS.command, JSON.stringify(req));
    } catch (e) {
      wait.cancel();
      throw e;
    }
    return wait.promise;
  }

  private dispatch(message: string): void {
    let answer: LedgerAnswer;
    try {
      answer = JSON.parse(message) as LedgerAnswer;
    } catch {
      this.o.log.warn('unreadable ledger answer');
      return;
    }
    this.waiters.get(answer.request_id)?.(answer);
  }
}
