/**
 * The clock: appends a `clock` command to every symbol's command stream at a fixed period, so
 * candle closes and 24h window expiry happen even when nobody trades, and at the same place in
 * the stream on every replay (time is the stream id of the clock command, like any command's).
 *
 * Every engine node may start it: a BullMQ job scheduler (upserted under one id, so starting it
 * again anywhere updates the same schedule instead of adding one) produces one job per period,
 * and exactly one of the nodes' workers processes each job. Without any node running, nothing
 * ticks, and nothing needs to: no engine is there to read the ticks either.
 */
import { Queue, Worker } from 'bullmq';
import { BLOCKING_OPTIONS, createRedis, pipelineEach, type RedisClient, type RedisTarget } from '@xtrader/platform';
import { FIELDS, globalKeys, symbolKeys, type ClockCommand } from '@xtrader/protocol';

/** Id of the one job scheduler shared by every node. */
export const CLOCK_SCHEDULER_ID = 'clock-tick';
/** Default period: candles close at most this late after their interval ends. */
export const DEFAULT_CLOCK_MS = 1000;

export interface ClockOptions {
  /** Redis: a URL, or a cluster's seed nodes (`redisTarget(env)`). */
  redisUrl: RedisTarget;
  prefix: string;
  /**
   * Every configured symbol, not only those this node's engine runs: whichever node takes a job
   * ticks all of them, so every node must agree on the list (they all read the same config).
   */
  symbols: readonly string[];
  /** Period in ms (default {@link DEFAULT_CLOCK_MS}). */
  everyMs?: number;
  /**
   * Called when a tick could not be appended (the next tick tries again) or the schedule could
   * not be set up yet (retried every second): Redis down, mostly.
   */
  onError?: (error: Error) => void;
}

export interface ClockScheduler {
  /** Settles once the schedule is in Redis (retried every second while Redis is unreachable). */
  readonly ready: Promise<void>;
  /** Stops this node's worker (the schedule stays for the other nodes). Safe to call twice. */
  close(): Promise<void>;
}

const TICK: string = JSON.stringify({ v: 1, kind: 'clock' } satisfies ClockCommand);

/**
 * Starts (or joins) the clock on this node. Returns at once: the worker connects and the schedule
 * is upserted in the background, so an engine boots (and shuts down) even while Redis is away.
 */
export function startClockScheduler(opts: ClockOptions): ClockScheduler {
  const everyMs = opts.everyMs ?? DEFAULT_CLOCK_MS;
  if (!Number.isInteger(everyMs) || everyMs < 10) throw new Error(`clock period must be a whole number of ms >= 10, got ${everyMs}`);
  const report = (e: Error) => opts.onError?.(e);
  const g = globalKeys(opts.prefix);
  const streams = opts.symbols.map((s) => symbolKeys(s, opts.prefix).commands);
  // BullMQ workers block: their connections must never give up a request (BLOCKING_OPTIONS).
  const queueConn = createRedis(opts.redisUrl, 'clock-queue', BLOCKING_OPTIONS);
  const workerConn = createRedis(opts.redisUrl, 'clock-worker', BLOCKING_OPTIONS);
  const writer: RedisClient = createRedis(opts.redisUrl, 'clock-writer');
  const queue = new Queue(g.clockQueue, { connection: queueConn, prefix: g.bullPrefix });
  queue.on('error', report);
  const worker = new Worker(
    g.clockQueue,
    async () => {
      const results = await pipelineEach(writer, streams, (p, stream) => p.xadd(stream, '*', FIELDS.command, TICK));
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0]!;
    },
    { connection: workerConn, prefix: g.bullPrefix, concurrency: 1 },
  );
  worker.on('error', report);
  worker.on('failed', (_job, e) => report(e));

  let closed = false;
  let wake: (() => void) | undefined;
  const ready = (async () => {
    while (!closed) {
      try {
        await queue.upsertJobScheduler(
          CLOCK_SCHEDULER_ID,
          { every: everyMs },
          // A missed tick is not worth a retry: the next one comes a period later.
          { name: 'tick', data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
        );
        await worker.waitUntilReady();
        return;
      } catch (e) {
        if (closed) return;
        report(e as Error);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  })();

  let closing: Promise<void> | undefined;
  const close = async () => {
    closed = true;
    wake?.();
    await worker.close();
    await queue.close();
    queueConn.disconnect();
    workerConn.disconnect();
    writer.disconnect();
  };
  return { ready, close: () => (closing ??= close()) };
}
