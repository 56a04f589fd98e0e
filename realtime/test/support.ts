import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import type Redis from 'ioredis';
import { freePort } from '@xtrader/platform';
import { FIELDS, symbolKeys, type MarketMessage } from '@xtrader/protocol';

export const REPO = resolve(__dirname, '../..');
const TSX = resolve(REPO, 'node_modules/.bin/tsx');

type Msg = { type: string; [k: string]: unknown };

/** A realtime node as a real child process (`tsx realtime/src/main.ts`). */
export class NodeProcess {
  private constructor(
    private readonly service: Service,
    readonly port: number,
  ) {}

  static async start(env: Record<string, string>): Promise<NodeProcess> {
    const port = await freePort();
    const service = await spawnService('realtime/src/main.ts', [], { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env }, 'realtime node listening');
    return new NodeProcess(service, port);
  }

  /** Everything the node wrote to stdout and stderr so far. */
  get output(): string {
    return this.service.output();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.service.stop();
  }

  /** Value of a metric line (first match of `name{labels}`), from /metrics. */
  async metric(series: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : NaN;
  }
}

/** A repo process run as a child; `stop` sends SIGTERM and resolves with the exit code. */
export interface Service {
  stop(): Promise<number | null>;
  output: () => string;
}

/** Any repo process (engine, api, realtime) as a child, ready once its log says `readyText`. */
export async function spawnService(script: string, args: string[], env: Record<string, string>, readyText: string): Promise<Service> {
  let output = '';
  const child = spawn(TSX, [resolve(REPO, script), ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const onData = (b: Buffer) => (output += b.toString());
  child.stdout!.on('data', onData);
  await new Promise<void>((resolveReady, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      onData(b);
      if (output.includes(readyText)) resolveReady();
    });
    exited.then((code) => reject(new Error(`${script} exited with ${code} before being ready:\n${output}`)));
  });
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Common behaviour of both test clients: every message kept in order, waits by event. */
abstract class TestClient {
  readonly messages: Msg[] = [];
  closed = false;
  closeCode?: number;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  protected receive(m: Msg): void {
    this.messages.push(m);
    this.wake();
  }

  protected markClosed(code?: number): void {
    this.closed = true;
    this.closeCode = code;
    this.wake();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `check` holds (checked on every message and on close). */
  until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.label}: timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolveWait();
      };
      this.waiters.push({ check, resolve: done });
    });
  }

  /** Waits for the next message (after index `from`) satisfying `pred`, and returns it. */
  async next(pred: (m: Msg) => boolean, from = 0, timeoutMs?: number): Promise<Msg> {
    let found: Msg | undefined;
    await this.until(
      'a matching message',
      () => (found = this.messages.slice(from).find(pred)) !== undefined,
      timeoutMs,
    );
    return found!;
  }

  of(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }

  abstract readonly label: string;
  abstract send(m: Msg): void;
  abstract close(): void;
}

/** A /ws client; answers Ping with Pong unless `silent`. */
export class WsClient extends TestClient {
  readonly label: string;
  constructor(
    readonly ws: WebSocket,
    name: string,
    silent: boolean,
  ) {
    super();
    this.label = `ws client ${name}`;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (m.type === 'Ping' && !silent) ws.send(JSON.stringify({ type: 'Pong', timestamp: m.timestamp }));
      this.receive(m);
    });
    ws.on('close', (code) => this.markClosed(code));
    ws.on('error', () => {});
  }

  static async connect(baseUrl: string, name = '', opts: { silent?: boolean } = {}): Promise<WsClient> {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws`);
    const client = new WsClient(ws, name, opts.silent ?? false);
    await client.until('Connected', () => client.messages.some((m) => m.type === 'Connected'));
    return client;
  }

  send(m: Msg): void {
    this.ws.send(JSON.stringify(m));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A socket.io client (websocket transport, as the web page uses). */
export class SioClient extends TestClient {
  readonly label: string;
  constructor(
    readonly socket: Socket,
    name: string,
  ) {
    super();
    this.label = `socket.io client ${name}`;
    socket.onAny((event: string, payload: Msg) => this.receive({ ...payload, type: event }));
    socket.on('disconnect', () => this.markClosed());
  }

  /** `auth` goes in the handshake (`{token}`), `headers` with the upgrade request (a session cookie). */
  static async connect(baseUrl: string, name = '', opts: { auth?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<SioClient> {
    const socket = io(baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true, auth: opts.auth, extraHeaders: opts.headers });
    const client = new SioClient(socket, name);
    await client.until('Connected', () => client.messages.some((m) => m.type === 'Connected'));
    return client;
  }

  send(m: Msg): void {
    this.socket.emit(m.type, m);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Subscribes and waits for SubscribeSuccess. */
export async function subscribe(c: TestClient, req: Record<string, unknown>): Promise<Msg> {
  const from = c.messages.length;
  c.send({ type: 'Subscribe', ...req });
  return c.next((m) => m.type === 'SubscribeSuccess' || m.type === 'Error', from);
}

let execCounter = 0;
/** An Execution as the engine writes it (extra fields travel untouched). */
export function execution(symbol: string, sequence: number, prevSequence: number, extra: Record<string, unknown> = {}): MarketMessage {
  execCounter++;
  return {
    type: 'Execution',
    exec_id: `e-${execCounter}`,
    order_id: `o-${execCounter}`,
    maker_order_id: `m-${execCounter}`,
    symbol,
    side: 'Buy',
    price: 50_000_000,
    quantity: 0.5,
    fee: 25_000,
    timestamp: Date.now(),
    transaction_time: new Date().toISOString(),
    sequence,
    prev_sequence: prevSequence,
    ...extra,
  } as MarketMessage;
}

export function book(symbol: string, sequence: number, prevSequence: number, bestBid = 49_000_000): MarketMessage {
  return { type: 'OrderBookUpdate', symbol, bids: [[bestBid, 1]], asks: [[51_000_000, 2]], timestamp: Date.now(), sequence, prev_sequence: prevSequence };
}

/** Appends messages to their symbols' feed streams, as the engine does (one XADD each). */
export async function produce(redis: Redis, prefix: string, messages: MarketMessage[]): Promise<void> {
  const p = redis.pipeline();
  for (const m of messages) p.xadd(symbolKeys(m.symbol, prefix).feed, '*', FIELDS.message, JSON.stringify(m));
  await p.exec();
}

export function randomPrefix(): string {
  return `t-${Math.random().toString(36).slice(2, 10)}`;
}
