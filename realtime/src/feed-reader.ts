import { BLOCKING_OPTIONS, createRedis, pipelineEach, type Logger, type RedisClient, type RedisTarget } from '@xtrader/platform';

/** One entry of a feed stream: its id and its field list. */
export type FeedEntry = [id: string, fields: string[]];

export interface FeedReaderOptions {
  /** Entries per stream per XREAD. */
  count: number;
  /** XREAD BLOCK timeout; only bounds how long a stop can take to be noticed. */
  blockMs?: number;
}

/**
 * Follows the feed streams of every symbol with XREAD BLOCK on a dedicated connection, starting
 * at their end when the node boots and then from the last id seen, and hands each stream's new
 * entries to `onEntries` in stream order. Every node reads the same streams, so every node
 * delivers a topic's messages in the same order.
 *
 * Redis going away only pauses it: the read is retried until Redis is back. Stream ids are
 * times, so even a Redis that restarted empty appends ids after the last one seen.
 */
export class FeedReader {
  private readonly cursors = new Map<string, string>();
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    /** stream key -> symbol */
    private readonly streams: Map<string, string>,
    private readonly onEntries: (symbol: string, entries: FeedEntry[]) => void,
    private readonly log: Logger,
    private readonly opts: FeedReaderOptions,
  ) {}

  /** Positions every cursor at its stream's current end, then starts reading. */
  async start(): Promise<void> {
    const replies = await pipelineEach(this.redis, [...this.streams.keys()], (p, key) => p.xrevrange(key, '+', '-', 'COUNT', 1));
    [...this.streams.keys()].forEach((key, i) => {
      const [err, entries] = replies[i] ?? [];
      if (err) throw err;
      // '0-0' for a stream that does not exist yet: everything it will ever hold is new.
      this.cursors.set(key, (entries as FeedEntry[])[0]?.[0] ?? '0-0');
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops reading; resolves when the loop has exited. Closes the blocking connection. */
  async stop(): Promise<void> {
    this.running = false;
    this.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const keys = [...this.streams.keys()];
    let failures = 0;
    while (this.running) {
      let reply: [string, FeedEntry[]][] | null;
      try {
        reply = (await this.redis.xread(
          'COUNT',
          this.opts.count,
          'BLOCK',
          this.opts.blockMs ?? 5_000,
          'STREAMS',
          ...keys,
          ...keys.map((k) => this.cursors.get(k)!),
        )) as [string, FeedEntry[]][] | null;
        failures = 0;
      } catch (e) {
        if (!this.running) return;
        if (failures++ === 0) this.log.warn('feed read failed; retrying', { error: String(e) });
        await new Promise((r) => setTimeout(r, Math.min(100 * failures, 1_000)));
        continue;
      }
      if (!reply) continue;
      let first = true;
      for (const [key, entries] of reply) {
        if (entries.length === 0) continue;
        // Let client sockets flush between streams (write callbacks run in the next loop
        // iteration), so one reply never piles more than `count` messages on a healthy client.
        if (!first) await nextIteration();
        first = false;
        this.cursors.set(key, entries[entries.length - 1][0]);
        try {
          this.onEntries(this.streams.get(key)!, entries);
        } catch (e) {
          this.log.error('feed delivery failed', { stream: key, error: String(e) });
        }
      }
    }
  }
}

/**
 * A node's feed readers, each on its own blocking connection: one reader of every stream on one
 * Redis; on a cluster one per stream, since an XREAD may name only one slot's keys and each
 * symbol's feed is its own slot (so a cluster node holds one connection per symbol for this).
 */
export class FeedReaders {
  private readonly connections: RedisClient[];
  private readonly readers: FeedReader[];

  constructor(target: RedisTarget, streams: Map<string, string>, onEntries: (symbol: string, entries: FeedEntry[]) => void, log: Logger, opts: FeedReaderOptions) {
    const groups = typeof target === 'string' ? [[...streams]] : [...streams].map((entry) => [entry]);
    this.connections = groups.map((_, i) => createRedis(target, groups.length === 1 ? 'realtime-feed' : `realtime-feed-${i + 1}`, BLOCKING_OPTIONS));
    this.readers = groups.map((group, i) => new FeedReader(this.connections[i], new Map(group), onEntries, log, opts));
  }

  async start(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.stop()));
  }

  /** `ready` when every connection is, else the status of the first that is not. */
  get status(): string {
    return this.connections.find((c) => c.status !== 'ready')?.status ?? 'ready';
  }
}

/** Resolves after the event loop has run one full iteration (timers, I/O callbacks, immediates). */
function nextIteration(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
