/**
 * Fan-out benchmark (`npm run bench:fanout`): N clients, half socket.io and half /ws, split over
 * two realtime node processes on one Redis, all subscribed to `executions:BTC-KRW`, while
 * Execution messages are appended to the symbol's feed at a steady rate, as the engine does.
 *
 * Latency = client receive time - the message's produce time (carried in `timestamp`, with
 * sub-millisecond precision), recorded in HDR histograms per client worker process and merged.
 * The receive time is taken when the client's process reads the bytes, before it decodes them:
 * a backlog in a client process still counts, its decoding does not count twice. The harness
 * keeps its own cost per message small (bare WebSocket clients, Execution fields read from the
 * frame bytes) so that on a 2-core machine the figure is the node's, not the harness's; its CPU
 * and event-loop utilization are logged to check. Everything runs on loopback, bounded in time.
 *
 * Settings (env or --name=value): CLIENTS (5000), RATE events/s (10), DURATION s (20),
 * WARMUP s (3), WORKERS client processes (2), WS_CLIENT (bare: {@link BareWebSocket}; ws: the `ws`
 * library, which costs the harness more CPU per message).
 *
 * Last line: {"clients","events_s","deliveries_s","p50_ms","p99_ms","dropped"}; `dropped`
 * counts messages that a client connected for the whole run did not receive, plus clients the
 * server disconnected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { BareWebSocket } from './bare-websocket';
import { freePort, RedisServer } from '@xtrader/platform';
import { FIELDS, symbolKeys } from '@xtrader/protocol';

const REPO = resolve(__dirname, '../..');
const SYMBOL = 'BTC-KRW';

function setting(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name.toLowerCase()}=`));
  const raw = arg?.split('=')[1] ?? process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

const now = () => performance.timeOrigin + performance.now();

/** CPU seconds (user + system) a process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const WS_EXECUTION = Buffer.from('{"type":"Execution",');
const SIO_EXECUTION = Buffer.from('42["Execution",{"type":"Execution",');
const SEQUENCE = Buffer.from('"sequence":');
const TIMESTAMP = Buffer.from('"timestamp":');

/**
 * `sequence` and `timestamp` of an Execution frame that starts with `prefix` (the engine's JSON,
 * forwarded as written), read from the bytes without decoding the whole message: 5,000 clients
 * in two harness processes would otherwise measure the harness's JSON.parse. Null for anything
 * else (decoded normally).
 */
function executionFields(data: Buffer, prefix: Buffer): { sequence: number; timestamp: number } | null {
  if (data.length <= prefix.length || data.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) return null;
  const sequence = numberAfter(data, SEQUENCE);
  const timestamp = numberAfter(data, TIMESTAMP);
  return Number.isFinite(sequence) && Number.isFinite(timestamp) ? { sequence, timestamp } : null;
}

/** The JSON number right after `key` in `data` (NaN when absent). */
function numberAfter(data: Buffer, key: Buffer): number {
  const at = data.indexOf(key);
  if (at < 0) return NaN;
  const start = at + key.length;
  let end = start;
  // Digits, sign, decimal point, exponent: 0-9 . - + e E
  for (let c = data[end]; (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69; c = data[++end]);
  return end > start ? Number(data.toString('latin1', start, end)) : NaN;
}

/**
 * A client WebSocket: {@link BareWebSocket} by default, the `ws` library with WS_CLIENT=ws.
 * `onText` gets each text frame and the time it was read, taken before any decoding.
 */
function openWebSocket(url: string, onClose: () => void, onError: (e: Error) => void, onText: (data: Buffer, receivedAt: number) => void): { send(text: string): void } {
  if (process.env.WS_CLIENT === 'ws') {
    // The server never compresses, and the engine's JSON is ASCII: no inflate, no UTF-8 check.
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', (data: Buffer) => onText(data, now()));
    ws.on('close', onClose);
    ws.on('error', onError);
    return ws;
  }
  return new BareWebSocket(url, onText, { onOpen: () => undefined, onClose, onError }, now);
}

type Transport = 'ws' | 'socket.io';
const newHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });

/** What a client worker reports at the end. */
interface WorkerReport {
  /** Latency histograms (µs) per transport, compressed. */
  histograms: Record<Transport, string>;
  received: number;
  /** Messages in [first, last] a client that stayed connected did not get. */
  missing: number;
  disconnected: number;
  errors: Record<string, number>;
  /** Event-loop utilization of the worker while events were produced (0..1). */
  busy: number;
}

// ---------------------------------------------------------------------------------------------
// Worker: holds a share of the clients. Talks to the parent with JSON lines on stdin/stdout.
// ---------------------------------------------------------------------------------------------
async function worker(): Promise<void> {
  const [urlA, urlB] = [process.env.NODE_A!, process.env.NODE_B!];
  const count = Number(process.env.COUNT);
  const offset = Number(process.env.OFFSET);
  // One latency histogram per transport: /ws and socket.io take different paths in the node.
  const histograms = { ws: newHistogram(), 'socket.io': newHistogram() };
  const transportOf = (i: number) => (Math.floor((offset + i) / 2) % 2 === 0 ? 'ws' : 'socket.io');
  let measureFrom = Infinity;
  let measureTo = Infinity;
  // Per client: how many measured messages arrived in order, and the last sequence seen (a
  // duplicate or a message out of order does not count, so it shows up as missing).
  const inOrder = new Float64Array(count);
  const lastSeq = new Float64Array(count);
  const alive: boolean[] = [];
  const errors: Record<string, number> = {};
  let received = 0;
  const send = (m: object) => process.stdout.write(`${JSON.stringify(m)}\n`);

  /** An Execution arrived at time `t` (taken before any decoding, so decoding is not counted twice). */
  const onExecution = (i: number, t: number, seq: number, timestamp: number) => {
    if (seq < measureFrom || seq > measureTo) return;
    if (seq > lastSeq[i]) {
      lastSeq[i] = seq;
      inOrder[i]++;
    }
    received++;
    histograms[transportOf(i)].recordValue(Math.max(1, Math.round((t - timestamp) * 1000)));
  };
  const onOther = (m: { type?: string; code?: string }) => {
    if (m.type === 'Error') errors[m.code ?? '?'] = (errors[m.code ?? '?'] ?? 0) + 1;
  };

  const subscribeMsg = { type: 'Subscribe', channels: ['executions'], symbols: [SYMBOL] };
  const connectOne = (i: number) =>
    new Promise<void>((done, fail) => {
      const global = offset + i;
      const url = global % 2 === 0 ? urlA : urlB;
      alive[i] = true;
      const timer = setTimeout(() => fail(new Error(`client ${global} did not subscribe in 30 s`)), 30_000);
      const closed = () => (alive[i] = false);
      if (transportOf(i) === 'ws') {
        const ws = openWebSocket(`${url.replace('http', 'ws')}/ws`, closed, fail, (data, t) => {
          const exec = executionFields(data, WS_EXECUTION);
          if (exec) return onExecution(i, t, exec.sequence, exec.timestamp);
          const m = JSON.parse(data.toString());
          if (m.type === 'Ping') ws.send(JSON.stringify({ type: 'Pong', timestamp: m.timestamp }));
          else if (m.type === 'Connected') ws.send(JSON.stringify(subscribeMsg));
          else if (m.type === 'SubscribeSuccess') {
            clearTimeout(timer);
            done();
          } else if (m.type === 'Execution') onExecution(i, t, m.sequence, m.timestamp);
          else onOther(m);
        });
      } else if (process.env.SIO_CLIENT === 'socket.io-client') {
        const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        socket.on('SubscribeSuccess', () => {
          clearTimeout(timer);
          done();
        });
        socket.on('Connected', () => socket.emit('Subscribe', subscribeMsg));
        socket.on('Execution', (m) => onExecution(i, now(), m.sequence, m.timestamp));
        socket.on('Error', (m) => onOther(m));
        socket.on('disconnect', closed);
        socket.on('connect_error', (e) => fail(e));
      } else {
        // socket.io spoken directly over WebSocket (engine.io v4 framing, as k6 does): the same
        // bytes on the wire as socket.io-client, at a fraction of the harness CPU, so the figure
        // is the server's. SIO_CLIENT=socket.io-client uses the real client library instead.
        const ws = openWebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, closed, fail, (data, t) => {
          const exec = executionFields(data, SIO_EXECUTION);
          if (exec) return onExecution(i, t, exec.sequence, exec.timestamp);
          const text = data.toString();
          if (text === '2') return ws.send('3');
          if (text.startsWith('0')) return ws.send('40');
          if (text.startsWith('40')) return;
          if (!text.startsWith('42')) return;
          const [event, m] = JSON.parse(text.slice(2));
          if (event === 'Connected') ws.send(`42${JSON.stringify(['Subscribe', subscribeMsg])}`);
          else if (event === 'SubscribeSuccess') {
            clearTimeout(timer);
            done();
          } else if (event === 'Execution') onExecution(i, t, m.sequence, m.timestamp);
          else onOther({ ...m, type: event });
        });
      }
    });

  // Connect in waves so the listen backlog never overflows.
  const WAVE = 100;
  for (let i = 0; i < count; i += WAVE) {
    await Promise.all(Array.from({ length: Math.min(WAVE, count - i) }, (_, k) => connectOne(i + k)));
  }
  send({ ready: true });
  // How busy this harness process is from here on (time running or waiting for a CPU): near
  // 100 % with little CPU means it was starved; with much CPU, that its clients queue behind
  // each other and the latency measured is partly the harness's own.
  const eluAtReady = performance.eventLoopUtilization();

  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as { measure?: [number, number]; report?: boolean };
    if (cmd.measure) [measureFrom, measureTo] = cmd.measure;
    if (cmd.report) {
      let missing = 0;
      let disconnected = 0;
      const expected = measureTo - measureFrom + 1;
      for (let i = 0; i < count; i++) {
        if (!alive[i]) disconnected++;
        else missing += expected - inOrder[i];
      }
      const busy = performance.eventLoopUtilization(eluAtReady).utilization;
      const report: WorkerReport = { histograms: { ws: hdr.encodeIntoCompressedBase64(histograms.ws), 'socket.io': hdr.encodeIntoCompressedBase64(histograms['socket.io']) }, received, missing, disconnected, errors, busy };
      send(report);
      process.exit(0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: Redis, two realtime nodes, client workers, the producer.
// ---------------------------------------------------------------------------------------------
class Child {
  private lines: ((line: string) => void)[] = [];
  readonly exited: Promise<number | null>;
  output = '';

  constructor(
    readonly proc: ChildProcess,
    readonly name: string,
  ) {
    this.exited = new Promise((r) => proc.once('exit', (c) => r(c)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const waiter = this.lines.shift();
      if (waiter) waiter(line);
    });
    proc.stderr!.on('data', (b: Buffer) => (this.output = (this.output + b.toString()).slice(-4000)));
  }

  nextLine(timeoutMs: number): Promise<string> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`${this.name}: no answer in ${timeoutMs} ms\n${this.output}`)), timeoutMs);
      this.lines.push((l) => {
        clearTimeout(t);
        res(l);
      });
      this.exited.then((c) => rej(new Error(`${this.name} exited with ${c}\n${this.output}`)));
    });
  }
}

async function startNode(redisUrl: string, prefix: string, port: number): Promise<Child> {
  // NODE_PROF=<dir> writes a CPU profile of each node (for looking into where time goes).
  const prof = process.env.NODE_PROF;
  // `node --import tsx` (not the tsx binary, which forks): the pid is the node itself.
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  // REALTIME_MAIN=<path of a main.ts> runs another build of the node (e.g. a baseline copy, for A/B runs).
  const main = process.env.REALTIME_MAIN ?? resolve(REPO, 'realtime/src/main.ts');
  const proc = spawn(process.execPath, [...flags, '--import', 'tsx', main], {
    cwd: REPO,
    // Every client comes from this one address: the per-address cap must not apply.
    env: { ...process.env, REDIS_URL: redisUrl, XT_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', XT_WS_MAX_PER_ADDRESS: '1000000', XT_WS_MAX_CONNECTIONS: '1000000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = new Child(proc, `node :${port}`);
  await new Promise<void>((res, rej) => {
    proc.stderr!.on('data', () => child.output.includes('realtime node listening') && res());
    child.exited.then((c) => rej(new Error(`realtime node exited with ${c}\n${child.output}`)));
  });
  return child;
}

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) return worker();
  const clients = Math.round(setting('CLIENTS', 5000));
  const rate = setting('RATE', 10);
  const duration = setting('DURATION', 20);
  const warmup = setting('WARMUP', 3);
  const workers = Math.max(1, Math.min(Math.round(setting('WORKERS', 2)), clients));
  const log = (msg: string) => process.stderr.write(`[fanout] ${msg}\n`);

  const redis = await RedisServer.launch();
  const producer = redis.client();
  const prefix = `bench-${process.pid}`;
  const feed = symbolKeys(SYMBOL, prefix).feed;
  const children: Child[] = [];
  const workerPool: Child[] = [];
  const started = Date.now();
  try {
    const [portA, portB] = [await freePort(), await freePort()];
    const nodes = await Promise.all([startNode(redis.url, prefix, portA), startNode(redis.url, prefix, portB)]);
    children.push(...nodes);
    log(`2 realtime nodes up (:${portA}, :${portB}); connecting ${clients} clients from ${workers} worker processes`);

    const per = Math.ceil(clients / workers);
    const pool: Child[] = [];
    for (let w = 0; w < workers; w++) {
      const count = Math.min(per, clients - w * per);
      const prof = process.env.NODE_PROF;
      const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}/workers`] : [];
      const proc = spawn(process.execPath, [...flags, '--import', 'tsx', __filename, '--worker'], {
        cwd: REPO,
        env: { ...process.env, NODE_A: `http://127.0.0.1:${portA}`, NODE_B: `http://127.0.0.1:${portB}`, COUNT: String(count), OFFSET: String(w * per) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const child = new Child(proc, `worker ${w}`);
      pool.push(child);
      workerPool.push(child);
      children.push(child);
    }
    await Promise.all(pool.map((w) => w.nextLine(90_000)));
    log(`all ${clients} clients subscribed after ${((Date.now() - started) / 1000).toFixed(1)} s; producing ${rate} events/s`);

    // Steady producer: one XADD per tick, sequence numbers 1, 2, 3...
    let seq = 0;
    const total = Math.round(rate * (warmup + duration));
    const first = Math.round(rate * warmup) + 1;
    const t0 = now();
    const cpu = () => ({ nodes: nodes.reduce((a, n) => a + cpuSeconds(n.proc.pid), 0), workers: pool.reduce((a, w) => a + cpuSeconds(w.proc.pid), 0) });
    const cpuBefore = cpu();
    await new Promise<void>((done) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((now() - t0) / 1000) * rate) + 1);
        while (seq < due) {
          seq++;
          const m = { type: 'Execution', exec_id: `x${seq}`, order_id: `o${seq}`, symbol: SYMBOL, side: 'Buy', price: 50_000_000, quantity: 0.5, fee: 25_000, timestamp: now(), sequence: seq, prev_sequence: seq - 1 };
          void producer.xadd(feed, 'MAXLEN', '~', '10000', '*', FIELDS.message, JSON.stringify(m));
        }
        if (seq === first) for (const w of pool) w.proc.stdin!.write(`${JSON.stringify({ measure: [first, total] })}\n`);
        if (seq >= total) done();
        else setTimeout(tick, Math.max(1, 1000 / rate / 2));
      };
      for (const w of pool) w.proc.stdin!.write(`${JSON.stringify({ measure: [first, total] })}\n`);
      tick();
    });
    const produceSeconds = (now() - t0) / 1000;
    // Let the last messages arrive (bounded), then collect.
    await new Promise((r) => setTimeout(r, 2_000));
    const cpuAfter = cpu();
    // Where the time goes: how soon the nodes handed each feed entry to their clients' sockets.
    for (const port of [portA, portB]) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const bucket = (le: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`xt_realtime_feed_to_delivery_seconds_bucket{le="${le}"}`));
        return Number(line?.split(' ')[1] ?? 0);
      };
      const all = bucket('+Inf') || 1;
      log(`node :${port}: feed entry handed to local sockets within 10 ms ${((100 * bucket('0.01')) / all).toFixed(0)}%, 100 ms ${((100 * bucket('0.1')) / all).toFixed(0)}%, 1 s ${((100 * bucket('1')) / all).toFixed(0)}% (${all} entries)`);
    }
    const reports: WorkerReport[] = [];
    for (const w of pool) {
      const answer = w.nextLine(30_000);
      w.proc.stdin!.write(`${JSON.stringify({ report: true })}\n`);
      reports.push(JSON.parse(await answer));
    }

    const merged = newHistogram();
    const perTransport = { ws: newHistogram(), 'socket.io': newHistogram() };
    for (const r of reports) {
      for (const t of ['ws', 'socket.io'] as const) {
        const h = hdr.decodeFromCompressedBase64(r.histograms[t]);
        merged.add(h);
        perTransport[t].add(h);
      }
    }
    const measured = total - first + 1;
    const received = reports.reduce((a, r) => a + r.received, 0);
    const missing = reports.reduce((a, r) => a + r.missing, 0);
    const disconnected = reports.reduce((a, r) => a + r.disconnected, 0);
    const errors = reports.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.errors)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {});
    const measureSeconds = measured / rate;
    const allDeliveries = Math.max(1, received * (total / measured));
    log(
      `CPU from first event to collection: realtime nodes ${(cpuAfter.nodes - cpuBefore.nodes).toFixed(1)} s (${(((cpuAfter.nodes - cpuBefore.nodes) / allDeliveries) * 1e6).toFixed(1)} µs per delivery), ` +
        `client workers ${(cpuAfter.workers - cpuBefore.workers).toFixed(1)} s (event-loop utilization ${reports.map((r) => `${(100 * r.busy).toFixed(0)}%`).join(', ')}), over ${((now() - t0) / 1000).toFixed(1)} s wall; machine load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    );
    log(
      `measured ${measured} events over ~${measureSeconds.toFixed(1)} s (produced ${total} in ${produceSeconds.toFixed(1)} s): ` +
        `${received} deliveries, p50 ${(merged.getValueAtPercentile(50) / 1000).toFixed(2)} ms, p90 ${(merged.getValueAtPercentile(90) / 1000).toFixed(2)} ms, ` +
        `p99 ${(merged.getValueAtPercentile(99) / 1000).toFixed(2)} ms, max ${(merged.maxValue / 1000).toFixed(2)} ms; ` +
        `missing ${missing}, disconnected clients ${disconnected}, errors ${JSON.stringify(errors)}; total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const ms = (h: hdr.Histogram, p: number) => (h.getValueAtPercentile(p) / 1000).toFixed(2);
    log(`per transport: ${(['ws', 'socket.io'] as const).map((t) => `${t} p50 ${ms(perTransport[t], 50)} ms, p99 ${ms(perTransport[t], 99)} ms`).join('; ')}`);
    const result = {
      clients,
      events_s: rate,
      deliveries_s: Math.round(received / measureSeconds),
      p50_ms: Number((merged.getValueAtPercentile(50) / 1000).toFixed(2)),
      p99_ms: Number((merged.getValueAtPercentile(99) / 1000).toFixed(2)),
      dropped: missing + disconnected,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    // Workers exit on their own after reporting (and write their CPU profile if asked): give them time.
    await Promise.race([Promise.all(workerPool.map((w) => w.exited)), new Promise((r) => setTimeout(r, 10_000))]);
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    producer.disconnect();
    await redis.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
