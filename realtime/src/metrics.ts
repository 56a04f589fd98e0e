import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HOP_HISTOGRAM, type Channel, type PipelineHop } from '@xtrader/protocol';

export type TransportName = 'ws' | 'socket.io';
export type DropReason = 'SLOW_CONSUMER' | 'HEARTBEAT_TIMEOUT';

/** Plain counters bumped on the hot path; prom-client reads them at scrape time. */
export interface LiveCounts {
  delivered: Record<TransportName, number>;
}

/** What the metrics read from the running node at scrape time. */
export interface MetricsSource {
  connections(): Record<TransportName, number>;
  subscriptions(): Record<Channel, number>;
  /** Waiting messages per client (outbox + transport buffer). */
  queueDepths(): number[];
  /** Private channels: accounts followed here, messages routed to them and dropped as malformed. */
  privates(): { accounts: number; routed: number; malformed: number };
}

/**
 * The node's Prometheus metrics, in their own registry (several nodes may share a process in
 * tests). Served at `/metrics`.
 */
export class RealtimeMetrics {
  readonly registry = new Registry();
  readonly counts: LiveCounts = { delivered: { ws: 0, 'socket.io': 0 } };
  readonly feedMessages: Counter<'type'>;
  readonly drops: Counter<'transport' | 'reason'>;
  readonly conflated: Counter;
  readonly feedLag: Histogram;
  /** The node's hops of an order (PIPELINE_HOPS): committed -> read, read -> socket write. */
  readonly hops: Histogram<'hop'>;
  readonly badFeedEntries: Counter;
  private rate = 0;
  private lastTotal = 0;
  private readonly rateTimer: NodeJS.Timeout;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'xt_realtime_' });
    const counts = this.counts;
    new Gauge({
      name: 'xt_realtime_connections',
      help: 'Open client connections by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const [transport, n] of Object.entries(source.connections())) this.set({ transport }, n);
      },
    });
    new Gauge({
      name: 'xt_realtime_subscriptions',
      help: 'Topic subscriptions of local clients by channel',
      labelNames: ['channel'],
      registers,
      collect() {
        for (const [channel, n] of Object.entries(source.subscriptions())) this.set({ channel }, n);
      },
    });
    new Gauge({
      name: 'xt_realtime_private_accounts',
      help: "Accounts with a private channel subscription on this node (the account channels it subscribes to)",
      registers,
      collect() {
        this.set(source.privates().accounts);
      },
    });
    const privateSeen = { routed: 0, malformed: 0 };
    new Counter({
      name: 'xt_realtime_private_messages_total',
      help: 'Private messages that arrived for accounts followed here, by result',
      labelNames: ['result'],
      registers,
      collect() {
        const now = source.privates();
        for (const result of ['routed', 'malformed'] as const) {
          this.inc({ result }, now[result] - privateSeen[result]);
          privateSeen[result] = now[result];
        }
      },
    });
    const seen: Record<TransportName, number> = { ws: 0, 'socket.io': 0 };
    new Counter({
      name: 'xt_realtime_messages_delivered_total',
      help: 'Messages handed to client transports',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const t of Object.keys(seen) as TransportName[]) {
          this.inc({ transport: t }, counts.delivered[t] - seen[t]);
          seen[t] = counts.delivered[t];
        }
      },
    });
    const self = this;
    new Gauge({
      name: 'xt_realtime_messages_delivered_per_second',
      help: 'Messages handed to client transports during the last second',
      registers,
      collect() {
        this.set(self.rate);
      },
    });
    new Gauge({
      name: 'xt_realtime_queue_depth',
      help: 'Messages waiting per client: total over clients, and the deepest client',
      labelNames: ['stat'],
      registers,
      collect() {
        const depths = source.queueDepths();
        this.set({ stat: 'total' }, depths.reduce((a, b) => a + b, 0));
        this.set({ stat: 'max' }, depths.reduce((a, b) => Math.max(a, b), 0));
      },
    });
    this.feedMessages = new Counter({ name: 'xt_realtime_feed_messages_total', help: 'Messages read from the feed streams', labelNames: ['type'], registers });
    this.drops = new Counter({ name: 'xt_realtime_dropped_clients_total', help: 'Clients disconnected by the server', labelNames: ['transport', 'reason'], registers });
    this.conflated = new Counter({ name: 'xt_realtime_conflated_total', help: 'Waiting messages replaced by a newer one of the same topic', registers });
    this.badFeedEntries = new Counter({ name: 'xt_realtime_bad_feed_entries_total', help: 'Feed entries that are not a valid market message (skipped)', registers });
    this.hops = new Histogram({ ...HOP_HISTOGRAM, labelNames: [...HOP_HISTOGRAM.labelNames], registers });
    this.feedLag = new Histogram({
      name: 'xt_realtime_feed_to_delivery_seconds',
      help: 'From the feed entry being appended (its stream id time) to its hand-off to local clients',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    this.rateTimer = setInterval(() => {
      const total = counts.delivered.ws + counts.delivered['socket.io'];
      this.rate = total - this.lastTotal;
      this.lastTotal = total;
    }, 1000);
    this.rateTimer.unref();
  }

  /** The histogram of one of the node's hops. */
  hop(name: PipelineHop) {
    return this.hops.labels({ hop: name });
  }

  close(): void {
    clearInterval(this.rateTimer);
    this.registry.clear();
  }
}
