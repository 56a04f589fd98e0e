import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HOP_HISTOGRAM, type PipelineHop } from '@xtrader/protocol';

/** The engine's Prometheus metrics, labelled by symbol. */
export class RunnerMetrics {
  readonly applied: Counter<'symbol'>;
  readonly skipped: Counter<'symbol'>;
  readonly poisoned: Counter<'symbol'>;
  readonly batchSize: Histogram<'symbol'>;
  readonly commitSeconds: Histogram<'symbol'>;
  readonly lagMs: Gauge<'symbol'>;
  readonly leader: Gauge<'symbol'>;
  readonly fenced: Counter<'symbol'>;
  /** With XT_DURABILITY=replica: commits waited for a replica, by result (`replicated`, `short`). */
  readonly replicaWaits: Counter<'symbol' | 'result'>;
  /** The engine's hops of an order (PIPELINE_HOPS): appended -> read, read -> committed. */
  readonly hops: Histogram<'hop'>;

  constructor(readonly registry: Registry = new Registry()) {
    const r = [registry];
    this.applied = new Counter({ name: 'xt_engine_commands_applied_total', help: 'Commands applied and committed', labelNames: ['symbol'], registers: r });
    this.skipped = new Counter({ name: 'xt_engine_commands_skipped_total', help: 'Malformed commands skipped', labelNames: ['symbol'], registers: r });
    this.poisoned = new Counter({
      name: 'xt_engine_commands_poisoned_total',
      help: 'Commands skipped with ENGINE_ERROR after failing on every try (ENGINE_POISON_TRIES)',
      labelNames: ['symbol'],
      registers: r,
    });
    this.batchSize = new Histogram({
      name: 'xt_engine_batch_size',
      help: 'Commands per committed batch',
      labelNames: ['symbol'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
      registers: r,
    });
    this.commitSeconds = new Histogram({
      name: 'xt_engine_commit_seconds',
      help: 'Latency of one fenced batch commit',
      labelNames: ['symbol'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    });
    this.lagMs = new Gauge({ name: 'xt_engine_lag_ms', help: 'Now minus the time of the last committed command', labelNames: ['symbol'], registers: r });
    this.leader = new Gauge({ name: 'xt_engine_leader', help: '1 while this engine holds the symbol lease', labelNames: ['symbol'], registers: r });
    this.hops = new Histogram({ ...HOP_HISTOGRAM, labelNames: [...HOP_HISTOGRAM.labelNames], registers: r });
    this.replicaWaits = new Counter({
      name: 'xt_engine_replica_waits_total',
      help: 'Commits waited for a replica before their outcomes were published (XT_DURABILITY=replica), by result',
      labelNames: ['symbol', 'result'],
      registers: r,
    });
    this.fenced = new Counter({ name: 'xt_engine_commits_refused_total', help: 'Commits refused because the lease was lost', labelNames: ['symbol'], registers: r });
  }

  /** The histogram of one of the engine's hops. */
  hop(name: PipelineHop) {
    return this.hops.labels({ hop: name });
  }
}
