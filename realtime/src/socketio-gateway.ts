import type { Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { ConnectionGate } from './connection-gate';
import { handshakeToken } from './connection-auth';
import { clientTcpSocket, engineHoldsNothing, engineQueued } from './engine-io-bypass';
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

/** A socket.io socket as a {@link ClientTransport}. */
class SocketIoTransport implements ClientTransport {
  readonly kind = 'socket.io' as const;
  private killTimer?: NodeJS.Timeout;
  /** The client's TCP socket (websocket transport only, so it never changes). */
  readonly tcp: NetSocket;

  constructor(
    private readonly socket: Socket,
    private readonly closeGraceMs: number,
    private readonly highWaterBytes: number,
    private readonly counts: LiveCounts,
    private readonly batch: WriteBatch,
  ) {
    this.tcp = clientTcpSocket(socket);
  }

  writable(): boolean {
    // Our frames go straight to the TCP socket (engine-io-bypass.ts), so they may only go while
    // engine.io holds nothing of its own. A client that stops reading fills the socket past
    // `highWaterBytes`, and from then on its messages wait (bounded, conflated) in the outbox.
    return this.socket.conn.readyState === 'open' && !this.tcp.destroyed && this.tcp.writableLength < this.highWaterBytes && engineHoldsNothing(this.socket);
  }

  write(out: Outgoing): void {
    // The pre-encoded WebSocket frame of the engine.io packet, shared by every receiver, written
    // beside engine.io (see engine-io-bypass.ts for why and when that is safe).
    this.batch.write(this.tcp, out.socketIoFrame);
    out.written();
    this.counts.delivered['socket.io']++;
  }

  buffered(): number {
    return engineQueued(this.socket);
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
    // not read never lets happen: destroy the TCP socket after the grace period.
    this.killTimer ??= setTimeout(() => this.tcp.destroy(), this.closeGraceMs);
    this.killTimer.unref();
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
      transport.tcp.on('drain', pump);
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
