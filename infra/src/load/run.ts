/**
 * `npm run load -- [--workload crossing|maker] --rate 5000 --duration 60 ...`: the Node load
 * runner (the k6 scenarios of infra/k6 for a machine without k6).
 *
 * Starts a stack (npm start's single-machine topology, or `--cluster` behind nginx) unless
 * `--target` points at a running one (loopback only), subscribes over plain /ws to executions,
 * and submits a workload's commands at a fixed open-loop rate over HTTP (`--rate` counts every
 * command: orders and cancels):
 * - `crossing` (default, order-flow.ts): crossing pairs, a Sell and the Buy that takes it;
 * - `maker` (maker-flow.ts): maker accounts quoting levels a side around a mid price, cancel and
 *   replace of those quotes several times per taker order, and takers that cross the top.
 * It measures each taker order from submit to its Execution message on the WebSocket and every
 * command from submit to its HTTP answer (202 for an order, 200 once applied for a cancel). The
 * last line of stdout is one JSON object:
 * {"target_rate","achieved_rate","p50_ms","p99_ms","p999_ms","errors","accept_p99_ms","cpu_ms_per_order","workload"}
 * (accept: submit -> HTTP answer; cpu_ms_per_order: CPU of all the stack's processes / commands
 * answered as the workload expects).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { loadMarkets } from '@xtrader/protocol/node';
import { startStack, type Stack } from '../stack';
import { measureBaseline } from './baseline';
import { CpuSampler } from './cpu';
import { formatHopTable, hopTable, scrapeHops } from './hops';
import { HttpSender } from './http-sender';
import { LatencyRecorder } from './latency';
import { parseLoadOptions, USAGE, type LoadOptions } from './options';
import { MakerWorkload } from './maker-flow';
import { CrossingWorkload } from './order-flow';
import type { Command, Workload } from './workload';
import { ExecutionSubscriber, type ExecutionSeen } from './subscribers';
import { MAX_RECV_WINDOW_MS } from '@xtrader/protocol';
import { ApiClient } from '../api-client';

const progress = (msg: string) => process.stderr.write(`${msg}\n`);

/** The admin token of a stack the runner starts itself: it funds its own account. */
const adminToken = randomBytes(18).toString('base64url');

interface Target {
  apiUrls: string[];
  wsUrl: string;
  description: string;
  stack?: Stack;
}

async function resolveTarget(opts: LoadOptions, symbols: string[] | undefined): Promise<Target> {
  if (opts.target) {
    const ws = opts.wsUrl ?? `${opts.target.replace(/^http/, 'ws')}/ws`;
    return { apiUrls: [opts.target], wsUrl: ws, description: `running exchange at ${opts.target} (ws ${ws})` };
  }
  progress(`starting a ${opts.topology} stack...`);
  // Quiet processes: logging every request would measure the logger. All orders come from this
  // one address and two accounts, so the per-client limits (API_RATE_LIMIT, API_ACCOUNT_RATE_LIMIT)
  // are off: the run measures capacity.
  const env = { LOG_LEVEL: 'warn', NODE_ENV: 'production', API_RATE_LIMIT: '0', API_ACCOUNT_RATE_LIMIT: '0', XT_ADMIN_TOKEN: adminToken };
  if (opts.topology === 'cluster') {
    const stack = await startStack({ apis: 2, realtimes: 2, enginesPerSymbol: 2, nginx: true, appendOnly: opts.aof, symbols, env });
    return {
      apiUrls: [stack.nginxUrl!],
      wsUrl: `${stack.nginxUrl!.replace(/^http/, 'ws')}/ws`,
      description: `cluster: nginx, 2 api, 2 realtime, 2 engines per symbol (1 active), Redis AOF ${opts.aof ? 'fsync always' : 'off'}`,
      stack,
    };
  }
  const stack = await startStack({ apis: opts.apis, realtimes: 1, enginesPerSymbol: 1, appendOnly: opts.aof, redisCluster: opts.redisCluster, symbols, env });
  // XT_DURABILITY reaches the processes from this one's environment.
  const durability = `XT_DURABILITY=${process.env.XT_DURABILITY ?? 'primary'}`;
  return {
    apiUrls: stack.apiUrls,
    wsUrl: `${stack.realtimeUrls[0].replace(/^http/, 'ws')}/ws`,
    description: `single machine: ${opts.apis} api, 1 realtime, 1 engine per symbol, ${opts.redisCluster ? 'a Redis Cluster (3 primaries + 3 replicas)' : 'one Redis'}, Redis AOF ${opts.aof ? 'fsync always' : 'off'}, ${durability}`,
    stack,
  };
}

async function main(): Promise<void> {
  let opts: LoadOptions;
  try {
    opts = parseLoadOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const markets = loadMarkets().filter((m) => !opts.symbols || opts.symbols.includes(m.symbol));
  if (markets.length === 0) throw new Error(`no configured symbol matches ${opts.symbols?.join(', ')}`);
  const symbols = markets.map((m) => m.symbol);
  const target = await resolveTarget(opts, opts.symbols ? symbols : undefined);
  try {
    const workload: Workload = opts.workload === 'maker' ? new MakerWorkload(markets, opts.maker) : new CrossingWorkload(markets);
    await runLoad(opts, target, workload, symbols);
  } finally {
    await target.stack?.stop();
  }
}

async function runLoad(opts: LoadOptions, target: Target, workload: Workload, symbols: string[]): Promise<void> {
  // Orders after the warmup, and all of them (reported when overload left none after it).
  const latency = { warm: new LatencyRecorder(), all: new LatencyRecorder() };
  const httpLatency = { warm: new LatencyRecorder(), all: new LatencyRecorder() };
  /** Submit -> HTTP answer by command kind, after the warmup. */
  const httpByKind = new Map<string, LatencyRecorder>();
  const record = (into: typeof latency, ms: number, measured: boolean) => {
    into.all.recordMs(ms);
    if (measured) into.warm.recordMs(ms);
  };
  /** Submit time of accepted orders not yet seen as a taker, by order id. */
  const submittedAt = new Map<string, { t0: number; measured: boolean }>();
  /** Orders seen in an Execution before their HTTP answer arrived (taker: with the time seen). */
  const early = new Map<string, number | undefined>();
  /** Accepted orders not yet seen in any Execution. */
  const unfilled = new Set<string>();
  const execIds = new Set<string>();
  // accepted: answered as the workload expects (expected: refusals it expects, counted in it too).
  const counts = { sent: 0, accepted: 0, expected: 0, httpErrors: 0, skipped: 0, executions: 0, lastAcceptAt: 0 };
  const errorSamples = new Map<string, number>();
  const noteError = (what: string) => errorSamples.set(what, (errorSamples.get(what) ?? 0) + 1);

  const onExecution = (e: ExecutionSeen) => {
    counts.executions++;
    execIds.add(e.exec_id);
    workload.onExecution(e);
    const answered = unfilled.delete(e.order_id);
    if (e.maker_order_id && !unfilled.delete(e.maker_order_id) && workload.makersMustExecute) early.set(e.maker_order_id, undefined);
    const sub = submittedAt.get(e.order_id);
    if (sub !== undefined) {
      record(latency, e.at - sub.t0, sub.measured);
      submittedAt.delete(e.order_id);
    } else if (!answered) {
      early.set(e.order_id, e.at);
    }
  };
  const baseline = opts.baseline ? await measureBaseline(opts.connections) : undefined;
  if (baseline) progress(`machine baseline: ${baseline} req/s (same client, trivial Node HTTP server)`);
  progress(`connecting ${opts.subscribers} /ws subscriber(s) to ${target.wsUrl}...`);
  const subscribers = Array.from({ length: opts.subscribers }, (_, i) => new ExecutionSubscriber(target.wsUrl, symbols, i === 0 ? onExecution : () => {}));
  await Promise.all(subscribers.map((s) => s.open()));

  const sender = new HttpSender(target.apiUrls, opts.connections);
  // The workload's accounts are created and funded at start through the API; each command is signed.
  const funding = target.stack || process.env.XT_ADMIN_TOKEN ? { adminToken: target.stack ? adminToken : process.env.XT_ADMIN_TOKEN! } : undefined;
  if (!funding) progress('XT_ADMIN_TOKEN is unset: the load accounts are not funded (orders fail once balances are enforced)');
  progress(`setting up the ${workload.name} workload...`);
  await workload.setup({ sender, newAccount: (prefix) => ApiClient.withNewAccount(target.apiUrls[0], prefix, undefined, funding) });
  const inflight = new Set<Promise<void>>();
  let closed = false;
  const send = (cmd: Command, measured: boolean) => {
    const t0 = performance.now();
    counts.sent++;
    // The widest receive window: under overload an order may wait in the client's queue for seconds.
    const p = sender.post(cmd.path, cmd.body, cmd.signer.sign('POST', cmd.path, cmd.body, MAX_RECV_WINDOW_MS)).then(
      (res) => {
        const t1 = performance.now();
        const outcome = cmd.settle(res);
        if (outcome.kind === 'error') {
          counts.httpErrors++;
          noteError(`${cmd.kind}: ${outcome.what}`);
          return;
        }
        counts.accepted++;
        if (outcome.kind === 'expected') counts.expected++;
        counts.lastAcceptAt = t1;
        record(httpLatency, t1 - t0, measured);
        if (measured) {
          if (!httpByKind.has(cmd.kind)) httpByKind.set(cmd.kind, new LatencyRecorder());
          httpByKind.get(cmd.kind)!.recordMs(t1 - t0);
        }
        const order_id = outcome.kind === 'ok' ? outcome.orderId : undefined;
        if (!cmd.mustExecute || order_id === undefined) return;
        if (early.has(order_id)) {
          // Executed before the answer reached us: the trade happened, the order is filled.
          const seen = early.get(order_id);
          early.delete(order_id);
          if (seen !== undefined) record(latency, seen - t0, measured);
          return;
        }
        unfilled.add(order_id);
        submittedAt.set(order_id, { t0, measured });
      },
      (e: Error) => {
        if (closed) return; // dropped at the end: counted as unanswered
        counts.httpErrors++;
        noteError(e.message);
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  progress(`submitting ${opts.rate} commands/s (${workload.name}) for ${opts.duration} s (first ${opts.warmup} s not measured) to ${target.apiUrls.join(', ')}`);
  // The per-hop histograms of the started stack's processes, from the end of the warmup on.
  const metricsUrls = (target.stack?.processes ?? []).flatMap((p) => (p.metricsUrl ? [p.metricsUrl] : []));
  let hopsBefore: ReturnType<typeof scrapeHops> | undefined;
  const cpu = new CpuSampler(() => target.stack?.processes ?? []);
  cpu.start();
  const start = performance.now();
  const maxBurst = Math.max(10, Math.ceil(opts.rate * 0.02));
  let lastReport = start;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      const elapsed = (now - start) / 1000;
      if (elapsed >= opts.duration) return done();
      if (elapsed >= opts.warmup && hopsBefore === undefined) hopsBefore = scrapeHops(metricsUrls);
      const due = Math.floor(elapsed * opts.rate);
      // Never more than 20 ms worth at once: a stalled generator skips (and shows a lower rate)
      // rather than firing a burst that would measure itself.
      if (due - counts.sent > maxBurst) {
        counts.skipped += due - counts.sent - maxBurst;
        counts.sent = due - maxBurst;
      }
      // Bounded memory when the exchange falls far behind: beyond the in-flight cap the
      // generator stops sending (counted as not sent, like a stalled generator).
      while (counts.sent < due) {
        if (inflight.size >= opts.maxInFlight) {
          counts.skipped += due - counts.sent;
          counts.sent = due;
          break;
        }
        const cmd = workload.next();
        if (cmd) send(cmd, elapsed >= opts.warmup);
        else {
          // Nothing to send in this slot (the workload waits for answers): counted as not sent.
          counts.sent++;
          counts.skipped++;
        }
      }
      if (now - lastReport >= 5000) {
        lastReport = now;
        progress(
          `t=${elapsed.toFixed(0)}s sent=${counts.sent - counts.skipped} accepted=${counts.accepted} executions=${counts.executions} http_errors=${counts.httpErrors} in_flight=${inflight.size} p99=${latency.all.percentileMs(99)}ms`,
        );
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  // Complete what the workload has half sent (the last pair's Buy, a cancelled quote's replacement).
  for (const cmd of workload.closing()) send(cmd, true);
  const sendSeconds = (performance.now() - start) / 1000;
  const cores = cpu.stop();
  const acceptedWhileSampled = counts.accepted;

  // Drain: outstanding answers, then the executions of everything accepted.
  const drainUntil = performance.now() + opts.drain * 1000;
  while ((inflight.size > 0 || unfilled.size > 0 || !workload.settled()) && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  for (const s of subscribers) s.close();
  const hops = metricsUrls.length > 0 ? hopTable(await (hopsBefore ?? new Map()), await scrapeHops(metricsUrls)) : undefined;
  // Still unanswered after the drain: as good as failed for whoever sent them.
  const unanswered = inflight.size;
  closed = true;
  sender.close();

  // Measured again after the run: on a shared machine the two differ when others were busy.
  const baselineAfter = opts.baseline ? await measureBaseline(opts.connections) : undefined;
  const wsErrors = subscribers.flatMap((s) => s.errors);
  for (const e of wsErrors) noteError(`ws: ${e}`);
  const workloadErrors = workload.errors();
  for (const e of workloadErrors) noteError(e);
  if (!target.stack) await workload.cleanUp().catch((e: Error) => progress(`cleaning up the workload's resting orders failed: ${e.message}`));
  // Every subscriber must have seen every execution the first one saw.
  const missedBySubscribers = subscribers.slice(1).reduce((n, s) => n + Math.max(0, execIds.size - s.received), 0);
  // Errors are the exchange's: refused or failed orders, lost executions, broken sockets. Orders
  // the generator could not send on time are not: they show as a lower achieved_rate.
  const errors = counts.httpErrors + unanswered + unfilled.size + wsErrors.length + missedBySubscribers + workloadErrors.length;
  // Each figure after the warmup, or over all orders when none was measured after it (overload).
  const reported = (r: typeof latency) => (r.warm.count > 0 ? { rec: r.warm, which: 'after warmup' } : { rec: r.all, which: 'all orders: none measured after the warmup' });
  const { rec: lat, which } = reported(latency);
  const { rec: http, which: httpWhich } = reported(httpLatency);
  const result = {
    target_rate: opts.rate,
    // Accepted orders over the time it took to accept them (answers may come after the last send).
    achieved_rate: Math.round(counts.accepted / Math.max(sendSeconds, (counts.lastAcceptAt - start) / 1000)),
    p50_ms: lat.percentileMs(50),
    p99_ms: lat.percentileMs(99),
    p999_ms: lat.percentileMs(99.9),
    errors,
    accept_p99_ms: http.percentileMs(99),
    // CPU of the whole stack (every process it started, Redis included) while submitting, over the
    // commands accepted meanwhile: null against a --target, whose processes the runner cannot see.
    cpu_ms_per_order:
      cores.stackSeconds !== undefined && acceptedWhileSampled > 0 ? Number(((cores.stackSeconds * 1000) / acceptedWhileSampled).toFixed(3)) : null,
    workload: workload.name,
  };
  const lines = [
    `load: ${target.description}; ${symbols.length} symbol(s), ${opts.connections} connections, ${opts.subscribers} subscriber(s)`,
    `${workload.name === 'crossing' ? 'orders' : 'commands'}: target ${opts.rate}/s for ${opts.duration} s; submitted ${counts.sent - counts.skipped}, not sent (generator behind, over the in-flight cap, or nothing to send) ${counts.skipped}, accepted ${counts.accepted} (${result.achieved_rate}/s; refusals the workload expects among them ${counts.expected}), HTTP errors ${counts.httpErrors}, unanswered after the drain (queued or in flight) ${unanswered}`,
    ...workload.report(),
    `executions: ${execIds.size} trades seen; accepted orders never executed ${unfilled.size}; ws errors ${wsErrors.length}; executions missed by other subscribers ${missedBySubscribers}`,
    `submit -> Execution on /ws (taker orders, ${which}, n=${lat.count}): p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, p99.9 ${result.p999_ms} ms, max ${lat.maxMs()} ms`,
    `submit -> HTTP ${workload.name === 'crossing' ? '202' : 'answer, every command'} (${httpWhich}, n=${http.count}): p50 ${http.percentileMs(50)} ms, p99 ${http.percentileMs(99)} ms, p99.9 ${http.percentileMs(99.9)} ms`,
    ...(httpByKind.size > 1
      ? [...httpByKind].map(([kind, r]) => `  ${kind} (after warmup, n=${r.count}): p50 ${r.percentileMs(50)} ms, p99 ${r.percentileMs(99)} ms, p99.9 ${r.percentileMs(99.9)} ms, max ${r.maxMs()} ms`)
      : []),
    `CPU while submitting, in cores (this machine has ${availableParallelism()}): ${cores.table}; the stack's ${result.cpu_ms_per_order ?? '(unknown)'} ms per accepted ${workload.name === 'crossing' ? 'order' : 'command'}`,
    ...(hops ? formatHopTable(hops) : []),
    ...(baseline
      ? [
          `machine baseline (same client against a trivial Node HTTP server): ${baseline} req/s before the run, ${baselineAfter} after; accepted orders/s are ${((100 * result.achieved_rate) / ((baseline + baselineAfter!) / 2)).toFixed(0)}% of their mean`,
        ]
      : []),
    ...[...errorSamples].slice(0, 10).map(([what, n]) => `  error x${n}: ${what}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(result)}\n`);
}

main().catch((e: Error) => {
  console.error(`load run failed: ${e.message}`);
  process.exit(1);
});
