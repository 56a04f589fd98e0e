import Redis, { type RedisOptions } from 'ioredis';

/**
 * The one place that decides how xTrader talks to Redis: reconnect forever with a capped
 * backoff, legacy (RESP2-shaped) replies, and fail fast (rather than queue) while disconnected so that an
 * api node answers 503 at once instead of hanging a client.
 *
 * Use separate clients for commands, subscriptions and blocking reads (`role` only names them in
 * logs and CLIENT LIST).
 */
export function createRedis(url: string, role: string, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: `xt-${role}`,
    // ioredis 6 speaks RESP3; 'legacy' keeps the RESP2 shapes (arrays for XREAD, HGETALL...).
    replyMapping: 'legacy',
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: false,
    ...overrides,
  });
  // Without a listener ioredis prints every reconnect error; the owner decides what to log.
  client.on('error', () => {});
  return client;
}

/** Options for clients that block (XREAD BLOCK, BullMQ workers): never give up a request. */
export const BLOCKING_OPTIONS: RedisOptions = { maxRetriesPerRequest: null };

/**
 * Options for clients that write what must not happen twice (order appends): a command whose
 * connection closed before its reply came may or may not have run, so it is failed at once
 * (the caller tells its client the outcome is unknown) instead of being sent again after the
 * reconnect, and nothing waits in an offline queue.
 */
export const WRITE_ONCE_OPTIONS: RedisOptions = {
  autoResendUnfulfilledCommands: false,
  // 0: every close fails what is in flight (with 1, the first close after a healthy spell keeps it).
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
};

/** Thrown by {@link withDeadline} when Redis did not answer in time. */
export class RedisDeadlineError extends Error {
  override readonly name = 'RedisDeadlineError';
}

/**
 * Settles like `reply`, or rejects after `ms` and drops `client`'s connection (it reconnects at
 * once). Seen here: a command in flight when the server went away can stay unanswered forever,
 * even after ioredis has reconnected; and a reply that never comes would pair every later reply
 * on that connection with the wrong command, so the connection is replaced, not reused.
 */
export function withDeadline<T>(client: Redis, reply: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      client.disconnect(true);
      reject(new RedisDeadlineError(`${what}: no answer from Redis within ${ms} ms; reconnecting`));
    }, ms);
  });
  return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
}
