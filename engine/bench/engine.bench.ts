/**
 * `npm run bench:engine`: throughput of the matching core on two seeded 1,000,000-command tapes
 * (shallow and deep book) and a ~2,000,000-message swing tape (a price that swings by 40%,
 * limits 15% IOC, amends and cancels of the orders just placed; see `tapes.ts`), against nodejs-order-book on the same tapes in the same run (its amend is `modify`,
 * which cancels and re-adds the order), plus the per-command p99 latency on the deep tape. The
 * last line printed is one JSON object.
 *
 * The machine is shared and noisy: read the ratios (same run, same tapes) before the absolute
 * figures. Each core figure is the median of CORE_RUNS runs on a fresh core. Only the order books
 * are timed: commands are made into objects in batches between the timed sections. With
 * `BENCH_LOOKUPS=1` it also counts the core's level lookups per swing message (an untimed run).
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { OrderBook, Side } from 'nodejs-order-book';
import type { LimitOrderOptions, MarketOrderOptions } from 'nodejs-order-book';
import { loadMarketMap } from '@xtrader/protocol/node';
import type { TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../src/core';
import { countLevelLookups } from './level-lookups';
import { DEEP, SHALLOW, SWING, generateSwingTape, generateTape, type Tape, type TapeProfile } from './tapes';

const CORE_RUNS = 3;
/**
 * `BENCH_CORE=<dir>`: time the `MatchingCore` of another checkout's `engine/src/core` on the same
 * tapes (an A/B of two versions of the core, each run in its own process); `BENCH_NOB=0` skips
 * nodejs-order-book (its figures are then null).
 */
const Core: typeof MatchingCore = process.env.BENCH_CORE ? (require(resolve(process.env.BENCH_CORE)) as { MatchingCore: typeof MatchingCore }).MatchingCore : MatchingCore;
const WITH_NOB = process.env.BENCH_NOB !== '0';
/** nodejs-order-book stops after this long on a tape (it scans a level to cancel): a prefix then. */
const NOB_BUDGET_MS = { shallow: 60_000, deep: 50_000, swing: 60_000 };
const spec = loadMarketMap().get('BTC-KRW')!;

const NOB_TIF = ['GTC', 'IOC', 'FOK'] as const;

/**
 * Commands are turned into objects (decoding, which is the runner's job) in batches of this many
 * outside the timed sections, so both figures time only the order book: a million long-lived
 * command objects made up front would instead make every major GC of the timed run mark them.
 */
const BATCH = 1024;

/** Wall and CPU time (user + system, GC threads included) of the timed sections of one run. */
class Stopwatch {
  ms = 0;
  cpuUs = 0;
  private wall0 = 0;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  start(): void {
    this.cpu0 = process.cpuUsage();
    this.wall0 = performance.now();
  }
  stop(): void {
    this.ms += performance.now() - this.wall0;
    const cpu = process.cpuUsage(this.cpu0);
    this.cpuUs += cpu.user + cpu.system;
  }
  /** Operations per wall second and per CPU second (the steadier of the two on a shared machine). */
  rates(ops: number): { opsPerSec: number; cpuOpsPerSec: number } {
    return { opsPerSec: ops / (this.ms / 1000), cpuOpsPerSec: ops / (this.cpuUs / 1e6) };
  }
}

/** An amend for nodejs-order-book's `modify` (which cancels and re-adds the order, matching it). */
interface NobAmend {
  amend: string;
  update: { price: number; size?: number } | { price?: number; size: number };
}

/** A nodejs-order-book call's argument: an order id to cancel, an amend, or a market or limit order's options. */
type NobCommand = string | NobAmend | MarketOrderOptions | LimitOrderOptions;

/**
 * Command `i` as nodejs-order-book's argument. It has no POST_ONLY tif (a flag instead); the bench
 * tapes use GTC/IOC/FOK only.
 */
function nobCommand(tape: Tape, i: number): NobCommand {
  if (tape.isCancel(i)) return tape.ids[i];
  if (tape.isAmend(i)) {
    const price = tape.amendPrice[i];
    const size = tape.amendQty[i];
    return { amend: tape.ids[i], update: price === 0 ? { size } : size === 0 ? { price } : { price, size } };
  }
  const side = tape.side[i] === 0 ? Side.BUY : Side.SELL;
  if (tape.type[i] === 1) return { side, size: tape.qty[i] };
  return { id: tape.ids[i], side, size: tape.qty[i], price: tape.price[i], timeInForce: NOB_TIF[tape.tif[i]] as LimitOrderOptions['timeInForce'] };
}

function nobApply(book: OrderBook, cmd: NobCommand): void {
  if (typeof cmd === 'string') book.cancel(cmd);
  else if ('amend' in cmd) book.modify(cmd.amend, cmd.update);
  else if ('price' in cmd) book.limit(cmd);
  else book.market(cmd);
}

/** Runs the first `length` commands of a tape (all by default) through a fresh core, timing only `core.apply`. */
function runCore(tape: Tape, length = tape.length): { opsPerSec: number; cpuOpsPerSec: number; core: MatchingCore; events: number } {
  const core = new Core(spec);
  const batch: TimedCommand[] = [];
  const watch = new Stopwatch();
  let events = 0;
  for (let from = 0; from < length; from += BATCH) {
    const n = Math.min(BATCH, length - from);
    for (let k = 0; k < n; k++) batch[k] = tape.command(from + k);
    watch.start();
    for (let k = 0; k < n; k++) events += core.apply(batch[k]).length;
    watch.stop();
  }
  return { ...watch.rates(length), core, events };
}

/** Runs a tape through nodejs-order-book, timed like `runCore`, until it is done or `budgetMs` is spent. */
function runNob(tape: Tape, budgetMs: number): { opsPerSec: number; cpuOpsPerSec: number; done: number } {
  const book = new OrderBook();
  const batch: NobCommand[] = [];
  const watch = new Stopwatch();
  let done = 0;
  while (done < tape.length && watch.ms <= budgetMs) {
    const n = Math.min(BATCH, tape.length - done);
    for (let k = 0; k < n; k++) batch[k] = nobCommand(tape, done + k);
    watch.start();
    for (let k = 0; k < n; k++) nobApply(book, batch[k]);
    watch.stop();
    done += n;
  }
  return { ...watch.rates(done), done };
}

/** Per-command latency on a fresh core, in µs: p50, p99, p99.9, max. */
function latencies(tape: Tape) {
  const core = new Core(spec);
  const us = new Float64Array(tape.length);
  for (let i = 0; i < tape.length; i++) {
    const cmd = tape.command(i);
    const t = performance.now();
    core.apply(cmd);
    us[i] = (performance.now() - t) * 1000;
  }
  us.sort();
  const at = (q: number) => us[Math.min(us.length - 1, Math.floor(q * us.length))];
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: us[us.length - 1] };
}

/** Level lookups per command over a whole tape, on a fresh core (untimed; see countLevelLookups). */
function lookupsPerCommand(tape: Tape): number {
  const core = new MatchingCore(spec);
  return (
    countLevelLookups(() => {
      for (let i = 0; i < tape.length; i++) core.apply(tape.command(i));
    }) / tape.length
  );
}

/** Orders resting and the deepest level (in orders), from the core's snapshot. */
function bookShape(core: MatchingCore) {
  const snap = core.snapshot();
  let deepest = 0;
  for (const [, orders] of [...snap.bids, ...snap.asks]) deepest = Math.max(deepest, orders.length);
  return { resting: core.openOrders, levels: snap.bids.length + snap.asks.length, deepestLevelOrders: deepest };
}

const nobRate = (nob: { opsPerSec: number } | undefined) => (nob === undefined ? null : Math.round(nob.opsPerSec));
const ratio = (a: number, b: number | undefined) => (b === undefined ? null : Number((a / b).toFixed(2)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function benchTape(profile: TapeProfile | typeof SWING) {
  const t0 = performance.now();
  const tape = 'mix' in profile ? generateTape(profile) : generateSwingTape(profile);
  console.log(`\n[${profile.name}] ${fmt(tape.length)} commands generated in ${fmt(performance.now() - t0)} ms (seed ${profile.seed})`);
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  let last: ReturnType<typeof runCore> | undefined;
  for (let r = 0; r < CORE_RUNS; r++) {
    last = undefined; // the previous run's book is garbage, not extra live heap for this run
    last = runCore(tape);
    runs.push(last.opsPerSec);
    cpuRuns.push(last.cpuOpsPerSec);
    console.log(`  core run ${r + 1}: ${fmt(last.opsPerSec)} commands/s wall, ${fmt(last.cpuOpsPerSec)} per CPU-second (${fmt(last.events)} events)`);
  }
  const shape = bookShape(last!.core);
  console.log(`  book at the end: ${fmt(shape.resting)} resting orders on ${shape.levels} levels, deepest level ${fmt(shape.deepestLevelOrders)} orders`);
  if (!WITH_NOB) return { tape, core: median(runs), coreCpu: median(cpuRuns), nob: undefined, corePrefix: undefined, shape };
  const budget = NOB_BUDGET_MS[profile.name as keyof typeof NOB_BUDGET_MS];
  const nob = runNob(tape, budget);
  const prefix = nob.done < tape.length;
  console.log(
    `  nodejs-order-book: ${fmt(nob.opsPerSec)} commands/s wall, ${fmt(nob.cpuOpsPerSec)} per CPU-second` +
      (prefix ? ` over the first ${fmt(nob.done)} commands only (stopped after its ${budget / 1000} s budget)` : ' (whole tape)'),
  );
  let corePrefix: number | undefined;
  if (prefix) {
    // The same prefix through the core, so the ratio can also be read like for like.
    const run = runCore(tape, nob.done);
    corePrefix = run.opsPerSec;
    console.log(
      `  core on that same prefix: ${fmt(corePrefix)} commands/s wall (ratio ${(corePrefix / nob.opsPerSec).toFixed(1)}), ` +
        `${fmt(run.cpuOpsPerSec)} per CPU-second (ratio ${(run.cpuOpsPerSec / nob.cpuOpsPerSec).toFixed(1)})`,
    );
  }
  return { tape, core: median(runs), coreCpu: median(cpuRuns), nob, corePrefix, shape };
}

function main() {
  console.log(`engine bench: node ${process.version}, ${spec.symbol}, core = median of ${CORE_RUNS} runs, load average ${loadavg()[0].toFixed(1)}`);
  // Warm both implementations up (JIT) on a small tape of another seed.
  const warm = generateTape({ ...SHALLOW, seed: 7, commands: 200_000 });
  runCore(warm);
  if (WITH_NOB) runNob(warm, 10_000);

  const shallow = benchTape(SHALLOW);
  const deep = benchTape(DEEP);
  const swing = benchTape(SWING);
  // Counted on this checkout's core only (the counter wraps its methods).
  const swingLookups = process.env.BENCH_LOOKUPS === '1' && Core === MatchingCore ? lookupsPerCommand(swing.tape) : undefined;
  if (swingLookups !== undefined) console.log(`\n[swing] level lookups per message: ${swingLookups.toFixed(3)}`);
  const lat = latencies(deep.tape);
  console.log(`\n[deep] latency per command (µs): p50 ${lat.p50.toFixed(2)}, p99 ${lat.p99.toFixed(2)}, p99.9 ${lat.p999.toFixed(2)}, max ${lat.max.toFixed(0)}`);

  const result = {
    shallow_ops_s: Math.round(shallow.core),
    deep_ops_s: Math.round(deep.core),
    nob_shallow_ops_s: nobRate(shallow.nob),
    nob_deep_ops_s: nobRate(deep.nob),
    swing_ops_s: Math.round(swing.core),
    nob_swing_ops_s: nobRate(swing.nob),
    ratio_swing: ratio(swing.core, swing.nob?.opsPerSec),
    swing_to_shallow: Number((swing.core / shallow.core).toFixed(2)),
    deep_to_shallow: Number((deep.core / shallow.core).toFixed(2)),
    ratio_shallow: ratio(shallow.core, shallow.nob?.opsPerSec),
    ratio_deep: ratio(deep.core, deep.nob?.opsPerSec),
    p99_us_deep: Number(lat.p99.toFixed(2)),
    nob_shallow_commands: shallow.nob?.done ?? null,
    nob_deep_commands: deep.nob?.done ?? null,
    nob_swing_commands: swing.nob?.done ?? null,
    cpu_shallow_ops_s: Math.round(shallow.coreCpu),
    cpu_deep_ops_s: Math.round(deep.coreCpu),
    cpu_swing_ops_s: Math.round(swing.coreCpu),
    cpu_swing_to_shallow: Number((swing.coreCpu / shallow.coreCpu).toFixed(2)),
    cpu_deep_to_shallow: Number((deep.coreCpu / shallow.coreCpu).toFixed(2)),
    cpu_ratio_shallow: ratio(shallow.coreCpu, shallow.nob?.cpuOpsPerSec),
    cpu_ratio_deep: ratio(deep.coreCpu, deep.nob?.cpuOpsPerSec),
    core_deep_prefix_ops_s: deep.corePrefix === undefined ? null : Math.round(deep.corePrefix),
    swing_lookups_per_msg: swingLookups === undefined ? null : Number(swingLookups.toFixed(3)),
    load_avg_1m: Number(loadavg()[0].toFixed(1)),
    deep_resting_orders: deep.shape.resting,
    deep_deepest_level_orders: deep.shape.deepestLevelOrders,
  };
  console.log(JSON.stringify(result));
}

main();
