import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { decodeEvent, entryField, FIELDS, readStoredOrder, type CompactEvent, type EngineEvent, type MarketSpec, type OrderView, type PlaceCommand, type SymbolKeys } from '@xtrader/protocol';
import { renderOrderView, SymbolRunner, SymbolState, type RawEntry, type RunnerOptions } from '../../src/runner';

export const ROOT = join(__dirname, '..', '..', '..');

/** A place command for the stream (integer ticks and lots). */
export function place(order_id: string, side: 'Buy' | 'Sell', price_ticks: number | null, qty_lots: number, extra: Partial<PlaceCommand> = {}): PlaceCommand {
  return { v: 1, kind: 'place', order_id, side, type: price_ticks === null ? 'Market' : 'Limit', tif: price_ticks === null ? 'IOC' : 'GTC', price_ticks, qty_lots, ...extra };
}

/** The stored order's view, as an api node reads it (undefined when not stored). */
export async function storedOrder(redis: Redis, spec: MarketSpec, keys: SymbolKeys, orderId: string): Promise<OrderView | undefined> {
  return readStoredOrder(spec, await redis.get(keys.order(orderId)), await redis.lrange(keys.orderFills(orderId), 0, -1));
}

/** What a suite of in-process BTC-KRW runners works with: its redis-server, a client of it, the market. */
export interface RunnerSuite {
  readonly server: RedisServer;
  readonly redis: Redis;
  readonly spec: MarketSpec;
  /** Starts a runner on `prefix` (silent log, lease 2 s, block 50 ms unless `opts` say otherwise); it is stopped after the test. */
  runner(prefix: string, opts?: Partial<RunnerOptions>): SymbolRunner;
}

/**
 * Registers the suite's hooks: one redis-server for the file, every runner a test started
 * stopped after it, the server destroyed at the end.
 */
export function runnerSuite(): RunnerSuite {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  const spec = loadMarketMap().get('BTC-KRW')!;
  const runners: SymbolRunner[] = [];
  beforeAll(async () => {
    server = await RedisServer.launch();
    redis = server.client();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.destroy();
  });
  return {
    get server() {
      return server!;
    },
    get redis() {
      return redis!;
    },
    spec,
    runner(prefix, opts = {}) {
      const r = new SymbolRunner({ spec, redisUrl: server!.url, prefix, engineId: `e-${randomBytes(2).toString('hex')}`, log: createLogger('test', 'silent'), leaseMs: 2000, blockMs: 50, ...opts });
      runners.push(r);
      void r.start();
      return r;
    },
  };
}

/** Appends commands in pipelined chunks of 10,000 (a book of a million orders is one call); returns the last stream id. */
export async function appendAll(redis: Redis, keys: SymbolKeys, cmds: object[]): Promise<string> {
  let last = '';
  for (let i = 0; i < cmds.length; i += 10_000) {
    const p = redis.pipeline();
    for (const c of cmds.slice(i, i + 10_000)) p.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(c));
    for (const [err, id] of (await p.exec()) ?? []) {
      if (err) throw err;
      last = id as string;
    }
  }
  return last;
}

export async function append(redis: Redis, keys: SymbolKeys, cmds: object[]): Promise<string[]> {
  const p = redis.pipeline();
  for (const c of cmds) p.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(c));
  const res = (await p.exec()) ?? [];
  return res.map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

/** The committed events stream (one entry per batch) as [command id, events] pairs, in order. */
export async function committedEvents(redis: Redis, keys: SymbolKeys): Promise<[string, EngineEvent[]][]> {
  const out: [string, EngineEvent[]][] = [];
  let start = '-';
  for (;;) {
    const entries = (await redis.xrange(keys.events, start, '+', 'COUNT', 5000)) as RawEntry[];
    for (const [, f] of entries) {
      const rows = JSON.parse(entryField(f, FIELDS.events)!) as [string, ...CompactEvent[]][];
      for (const [id, ...events] of rows) out.push([id, events.map(decodeEvent)]);
    }
    if (entries.length < 5000) return out;
    start = `(${entries[entries.length - 1][0]}`;
  }
}

export async function allCommands(redis: Redis, keys: SymbolKeys): Promise<RawEntry[]> {
  const out: RawEntry[] = [];
  let start = '-';
  for (;;) {
    const entries = (await redis.xrange(keys.commands, start, '+', 'COUNT', 5000)) as RawEntry[];
    out.push(...entries);
    if (entries.length < 5000) return out;
    start = `(${entries[entries.length - 1][0]}`;
  }
}

/**
 * The fault-free run: the same command stream applied to a fresh in-process state, writing
 * nothing. Returns the events per command (as the runner commits them) and each order's final view.
 */
export function referenceRun(spec: MarketSpec, entries: RawEntry[]) {
  const state = SymbolState.fresh(spec);
  const events: [string, EngineEvent[]][] = [];
  const views = new Map<string, OrderView>();
  for (const entry of entries) {
    const a = state.applyEntry(entry);
    if (a.events.length > 0) events.push([a.id, a.events]);
    for (const rec of state.orders.takeBatch().changed) views.set(rec.order_id, renderOrderView(spec, rec));
  }
  return { events, views, position: state.position };
}

/** A real engine process (`tsx engine/src/main.ts`), with its stderr log lines. */
export class EngineProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private readonly listeners: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    // `node --import tsx` is one process (the tsx CLI is a wrapper): SIGKILL and SIGSTOP must hit
    // the engine itself, not a parent that cannot pass them on.
    this.child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'engine', 'src', 'main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let buf = '';
    this.child.stderr!.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        for (const l of this.listeners.splice(0)) l();
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  /** Resolves with the first log line (from the start) matching `re`. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.lines.length; seen++) if (re.test(this.lines[seen])) return this.lines[seen];
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`engine exited before logging ${re}:\n${this.lines.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`engine did not log ${re} within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.listeners.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
