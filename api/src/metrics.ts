import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { HOP_HISTOGRAM, type PipelineHop } from '@xtrader/protocol';

/** The api node's Prometheus metrics (one registry per app, so several apps can share a process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'xt_api_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'xt_api_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  /** One per order appended (a 202 or a waited answer; not a retry answered from its first attempt). */
  readonly accepted = new Counter({ name: 'xt_api_orders_accepted_total', help: 'Orders appended to their symbol stream', labelNames: ['symbol'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'xt_api_errors_total', help: 'Error answers by code', labelNames: ['code'], registers: [this.registry] });
  /** The node's hop of an order (PIPELINE_HOPS): accepted -> granted by the ledger shard. */
  readonly hops = new Histogram({ ...HOP_HISTOGRAM, labelNames: [...HOP_HISTOGRAM.labelNames], registers: [this.registry] });

  /** The histogram of one of the node's hops. */
  hop(name: PipelineHop) {
    return this.hops.labels({ hop: name });
  }

  /** Counts and times one answered request under its route pattern. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  /** Counts and times every request under its route pattern (not its raw URL: bounded labels). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = performance.now();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        this.observe(req.method, route, res.statusCode, (performance.now() - start) / 1000);
      });
      next();
    };
  }
}
