import type { Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { ConnectionGate } from './connection-gate';
import { handshakeToken } from './connection-auth';
import type { LiveCounts } from './metrics';
import type { Outgoing } from './outgoing';
import { Session, type ClientTransport, type SessionDeps } from './session';
import type { WriteBatch } from './write-batch';

export interface SocketIoGatewayOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  closeGraceMs: number;
  /** Bytes a client's TCP socket may hold unsent before its messages wait in the outbox. */
  highWaterBytes: number;
  /** Shared by every client socket of the node. */
  batch: WriteBatch;
  /** Counts connections against the node's limits (shared with /ws). */
  gate: ConnectionGate;
  /** The adapter factory (the sharded Redis adapter in production). */
  adapter: ServerOptions['adapter'];
}

/** The parts of engine.io's websocket transport we look at (not in its typings). */
interface EngineWebSocketTransport {
  writable: boolean;
  /** The `ws` WebSocket, whose `_socket` is the client's TCP socket. */
  socket?: { _socket?: NetSocket };
}

/** A socket.io socket as a {@link ClientTransport}. */
class SocketIoTransport implements ClientTransport {
  readonly kind = 'socket.io' as const;
  private killTimer?: NodeJS.Timeout;
  /** The client's TCP socket (websocket transport only, so it never changes). */
  readonly tcp: NetSocket | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly closeGraceMs: number,
    private readonly highWaterBytes: number,
    private readonly counts: LiveCounts,
    private readonly batch: WriteBatch,
  ) {
    this.tcp = this.engineTransport().socket?._socket;
  }

  writable(): boolean {
    // Our frames go straight to the TCP socket, so they may only go while engine.io has nothing
    // of its own waiting (its transport is writable and its buffer empty): then nothing it sends
    // can be overtaken. A client that stops reading fills the socket past `highWaterBytes`, and
    // from then on its messages wait (bounded, conflated) in the outbox.
    const conn = this.socket.conn;
    const tcp = this.tcp;
    return (
      conn.readyState === 'open' &&
      tcp !== undefined &&
      !tcp.destroyed &&
      this.engineTransport().writable &&
      this.buffered() === 0 &&
      tcp.writableLength < this.highWaterBytes
    );
  }

  write(out: Outgoing): void {
    // The pre-encoded WebSocket frame of the engine.io packet, shared by every receiver, written
    // as is: engine.io would queue a packet object, emit events and take a write callback per
    // client; the bytes on the wire are the same. Frames never interleave: without compression
    // ws writes each of engine.io's frames whole and synchronously to the same socket.
    this.batch.write(this.tcp!, out.socketIoFrame);
    this.counts.delivered['socket.io']++;
  }

  buffered(): number {
    return (this.socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
  }

  join(topic: string): void {
    void this.socket.join(topic);
  }

  leave(topic: string): void {
    void this.socket.leave(topic);
  }

  close(last: Outgoing | null): void {
    if (last && this.socket.conn.readyState === 'open') this.socket.conn.write(last.socketIoPacket);
    this.socket.disconnect(true);
    // engine.io waits for its write buffer to drain before closing, which a client that does
    // not read never lets happen: destroy the underlying WebSocket after the grace period.
    this.killTimer ??= setTimeout(() => {
      const raw = (this.socket.conn.transport as unknown as { socket?: { terminate?: () => void } }).socket;
      raw?.terminate?.();
    }, this.closeGraceMs);
    this.killTimer.unref();
  }

  private engineTransport(): EngineWebSocketTransport {
    return this.socket.conn.transport as unknown as EngineWebSocketTransport;
  }
}

/**
 * socket.io on the node's HTTP server (websocket transport only, no sticky sessions needed),
 * with the Redis adapter so rooms (= topics) are visible cluster-wide. Event name = message
 * type; clients emit `Subscribe` / `Unsubscribe` with the /ws objects (an ack callback, if
 * given, receives the reply too).
 */
export class SocketIoGateway {
  readonly io: Server;
  readonly sessions = new Set<Session>();

  constructor(httpServer: HttpServer, deps: Omit<SessionDeps, 'onEnd'>, opts: SocketIoGatewayOptions) {
    this.io = new Server(httpServer, {
      transports: ['websocket'],
      serveClient: false,
      pingInterval: opts.pingIntervalMs,
      pingTimeout: Math.max(1_000, opts.pongTimeoutMs - opts.pingIntervalMs),
      maxHttpBufferSize: 64 * 1024,
      // Frames are pre-encoded once per message for every receiver: never compressed per client.
      perMessageDeflate: false,
      // /ws shares the HTTP server: engine.io must leave upgrades of other paths alone.
      destroyUpgrade: false,
      adapter: opts.adapter,
      // The handshake is refused (and nothing kept) over the node's connection limits.
      allowRequest: (req, done) => {
        const refusal = opts.gate.admit(req);
        done(refusal?.message ?? null, refusal === undefined);
      },
    });
    this.io.on('connection', (socket) => {
      const transport = new SocketIoTransport(socket, opts.closeGraceMs, opts.highWaterBytes, deps.metrics.counts, opts.batch);
      const session = new Session(transport, { ...deps, onEnd: (s) => this.sessions.delete(s) }, opts.pingIntervalMs);
      this.sessions.add(session);
      // Either side may have held the outbox back: engine.io's own write ('ready', not 'drain':
      // engine.io marks the transport writable only after emitting 'drain'), or the TCP socket.
      const pump = () => session.outbox.pump();
      socket.conn.transport.on('ready', pump);
      transport.tcp?.on('drain', pump);
      socket.onAny((event: string, ...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: unknown) => void) : undefined;
        const payload = args[0];
        const value = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? { ...payload, type: event } : { type: event, payload };
        const reply = session.handle(value);
        if (ack && reply) void Promise.resolve(reply).then(ack);
      });
      socket.on('disconnect', () => session.end());
      session.start();
      // A handshake with credentials (the page's session cookie, or `auth: {token}`) authenticates at once.
      const token = handshakeToken(socket.handshake.auth, socket.handshake.headers);
      if (token !== undefined) void session.authenticate({ type: 'Auth', token });
    });
  }

  /** Closes every socket.io client and the HTTP server. */
  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.end();
    await this.io.close();
  }
}
