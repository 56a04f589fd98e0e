import { Histogram, Registry } from 'prom-client';
import { HOP_HISTOGRAM, type PipelineHop } from '@xtrader/protocol';

/** The ledger writer's Prometheus metrics. */
export class LedgerMetrics {
  /**
   * The shard writers' hops of an order (PIPELINE_HOPS): appended -> read, read -> committed,
   * committed -> forwarded.
   */
  readonly hops: Histogram<'hop'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.hops = new Histogram({ ...HOP_HISTOGRAM, labelNames: [...HOP_HISTOGRAM.labelNames], registers: [registry] });
  }

  /** The histogram of one of the ledger's hops. */
  hop(name: PipelineHop) {
    return this.hops.labels({ hop: name });
  }
}
