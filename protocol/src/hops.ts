/**
 * The hops an order passes through on its way from the api to a subscriber's socket, each timed
 * from ms clocks the pipeline already carries: a command's append time is the millisecond part of
 * the stream id Redis gave it, and an event's commit time is the millisecond part of its events
 * stream id. Every process exports the hops it sees as one histogram ({@link HOP_METRIC}, label
 * `hop`); the load runner reads them from each process's /metrics and prints the per-hop table.
 */
export const PIPELINE_HOPS = [
  /**
   * api: order taken up (signed, before validation) -> granted by the account's ledger shard (funds
   * locked, command appended to the symbol's command stream by the shard writer's forward).
   */
  'accepted_to_granted',
  /** ledger: a request appended to its shard's command stream -> read by the shard writer (part of accepted_to_granted). */
  'appended_to_ledger_read',
  /** ledger: the batch read -> its locks committed with the outbox (part of accepted_to_granted). */
  'ledger_read_to_committed',
  /** ledger: the batch committed -> its granted commands forwarded into their symbols' command streams (part of accepted_to_granted). */
  'committed_to_forwarded',
  /** engine: command appended to the symbol's command stream -> its batch read by the engine. */
  'appended_to_engine_read',
  /** engine: batch read -> its events committed. */
  'engine_read_to_committed',
  /** realtime: events committed -> read by the realtime node. */
  'committed_to_realtime_read',
  /** realtime: events read -> their messages written to the subscribers' sockets. */
  'realtime_read_to_socket',
] as const;
export type PipelineHop = (typeof PIPELINE_HOPS)[number];

/** Name of the per-hop latency histogram (seconds, label `hop`: one of {@link PIPELINE_HOPS}). */
export const HOP_METRIC = 'xt_pipeline_hop_seconds';

/**
 * The per-hop histogram's configuration, for prom-client's `new Histogram({ ...HOP_HISTOGRAM,
 * registers })` in every process. Buckets: the clocks are ms, so nothing finer than 1 ms; up to the
 * seconds an overload reaches.
 */
export const HOP_HISTOGRAM = {
  name: HOP_METRIC,
  help: 'Latency of one hop of an order through the pipeline (PIPELINE_HOPS), per order',
  labelNames: ['hop'] as const,
  buckets: [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10],
};

