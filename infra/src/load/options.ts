import { parseArgs } from 'node:util';
import type { MakerOptions } from './maker-flow';

/** Hard bounds: the runner is for this machine's loopback, not for attacking anything. */
export const LIMITS = { maxRate: 20_000, maxDuration: 900, maxConnections: 512, maxSubscribers: 2_000 } as const;

export interface LoadOptions {
  /** What is sent: crossing pairs (default), or market makers' quotes, cancels and takers. */
  workload: 'crossing' | 'maker';
  /** The maker workload's accounts, levels and cancel/replace per taker order (maker-flow.ts). */
  maker: MakerOptions;
  /** Commands per second to submit (open loop: the schedule does not wait for answers). */
  rate: number;
  /** Seconds of submitting. */
  duration: number;
  /** Seconds at the start whose orders are not measured (JIT, connection set-up). */
  warmup: number;
  /** Seconds to wait after the last order for outstanding answers and executions. */
  drain: number;
  /**
   * Keep-alive HTTP connections (default 256). Each carries one request at a time, so the rate is
   * capped near connections / answer time whatever the server could do: on 2026-11-25 answers took
   * ~14 ms at 5,000/s (AOF on or off alike), and 64 connections held that rate at 4,594/s with ~4 s
   * of queueing in the client.
   */
  connections: number;
  /** Plain /ws subscribers to executions (the first one measures latency). */
  subscribers: number;
  /** Symbols the orders spread over (default: every configured symbol). */
  symbols?: string[];
  /** Target an already running exchange (base URL of an api node or the balancer)... */
  target?: string;
  /** ...and its realtime /ws URL (default: the target's origin + /ws). */
  wsUrl?: string;
  /** Otherwise start a stack: `single` (npm start's topology) or `cluster` (behind nginx). */
  topology: 'single' | 'cluster';
  /** api nodes of a started single stack (default 1). */
  apis: number;
  /** Redis AOF with fsync always in a started stack (default on, like npm start). */
  aof: boolean;
  /** Run the started stack on a real Redis Cluster (3 primaries + 3 replicas) instead of one Redis. */
  redisCluster: boolean;
  /** Requests waiting for an answer at most; beyond it orders are not sent (default 20000). */
  maxInFlight: number;
  /** Measure the machine baseline first (default on). */
  baseline: boolean;
}

export const USAGE = `usage: npm run load -- [--workload crossing|maker] [--rate 5000] [--duration 60] [--warmup 5] [--drain 10]
         [--connections 256] [--subscribers 1] [--symbol BTC-KRW ...]
         [--cluster | --target http://127.0.0.1:7000 [--ws-url ws://127.0.0.1:7001/ws]]
         [--apis 1] [--aof on|off] [--redis-cluster] [--baseline on|off] [--max-in-flight 20000]
         maker workload: [--makers 8] [--takers 2] [--levels 20] [--cancels-per-taker 5]
Starts its own stack (single machine, or --cluster behind nginx) unless --target is given.`;

function num(name: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}, got ${v}`);
  return n;
}

function int(name: string, v: string | undefined, min: number, max: number): number {
  const n = num(name, v, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be a whole number, got ${v}`);
  return n;
}

/** Only loopback targets: load from here never leaves the machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error(`refusing to load ${url}: only loopback targets are allowed`);
}

export function parseLoadOptions(argv: string[]): LoadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: 'string', default: 'crossing' },
      makers: { type: 'string', default: '8' },
      takers: { type: 'string', default: '2' },
      levels: { type: 'string', default: '20' },
      'cancels-per-taker': { type: 'string', default: '5' },
      rate: { type: 'string', default: '5000' },
      duration: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '5' },
      drain: { type: 'string', default: '10' },
      connections: { type: 'string', default: '256' },
      subscribers: { type: 'string', default: '1' },
      symbol: { type: 'string', multiple: true },
      target: { type: 'string' },
      'ws-url': { type: 'string' },
      cluster: { type: 'boolean', default: false },
      apis: { type: 'string', default: '1' },
      aof: { type: 'string', default: 'on' },
      'redis-cluster': { type: 'boolean', default: false },
      baseline: { type: 'string', default: 'on' },
      'max-in-flight': { type: 'string', default: '20000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const duration = num('duration', values.duration, 1, LIMITS.maxDuration);
  if (values.workload !== 'crossing' && values.workload !== 'maker') throw new Error(`--workload must be crossing or maker, got ${values.workload}`);
  const opts: LoadOptions = {
    workload: values.workload,
    maker: {
      makers: int('makers', values.makers, 1, 64),
      takers: int('takers', values.takers, 1, 64),
      levels: int('levels', values.levels, 1, 100),
      cancelsPerTaker: int('cancels-per-taker', values['cancels-per-taker'], 1, 100),
    },
    rate: num('rate', values.rate, 1, LIMITS.maxRate),
    duration,
    warmup: num('warmup', values.warmup, 0, duration - 1),
    drain: num('drain', values.drain, 1, 120),
    connections: num('connections', values.connections, 1, LIMITS.maxConnections),
    subscribers: num('subscribers', values.subscribers, 1, LIMITS.maxSubscribers),
    symbols: values.symbol,
    target: values.target?.replace(/\/$/, ''),
    wsUrl: values['ws-url'],
    topology: values.cluster ? 'cluster' : 'single',
    apis: num('apis', values.apis, 1, 8),
    aof: values.aof !== 'off',
    redisCluster: values['redis-cluster'],
    baseline: values.baseline !== 'off',
    maxInFlight: num('max-in-flight', values['max-in-flight'], 1, 100_000),
  };
  if (opts.target) assertLoopback(opts.target);
  if (opts.wsUrl) assertLoopback(opts.wsUrl);
  return opts;
}
