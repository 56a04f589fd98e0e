import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { LiveCounts } from './metrics';
import type { Outgoing } from './outgoing';
import { Session, type ClientTransport, type SessionDeps } from './session';

export interface SocketIoGatewayOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  closeGraceMs: number;
  /** Messages engine.io may hold in its own write buffer before ours takes over. */
  bufferLimit: number;
  /** The adapter factory (the sharded Redis adapter in production). */
  adapter: ServerOptions['adapter'];
}

/** A socket.io socket as a {@link ClientTransport}. */
class SocketIoTransport implements ClientTransport {
  readonly kind = 'socket.io' as const;
  private killTimer?: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly closeGraceMs: number,
    private readonly bufferLimit: number,
    private readonly counts: LiveCounts,
  ) {}

  writable(): boolean {
    // engine.io batches what arrives while its websocket transport is busy with the previous
    // write (until the next loop iteration) in its own write buffer. Letting up to `bufferLimit`
    // messages wait there keeps bursts flowing to healthy clients; a client that stops reading
    // keeps the transport busy, the buffer fills, and from then on messages wait (bounded,
    // conflated) in the outbox.
    const conn = this.socket.conn;
    return conn.readyState === 'open' && this.buffered() < this.bufferLimit;
  }

  write(out: Outgoing): void {
    // The same pre-encoded packet and frame a room broadcast uses, shared by every receiver.
    this.socket.conn.write(out.socketIoPacket, { wsPreEncodedFrame: out.socketIoFrame } as object);
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
      // /ws shares the HTTP server: engine.io must leave upgrades of other paths alone.
      destroyUpgrade: false,
      adapter: opts.adapter,
    });
    this.io.on('connection', (socket) => {
      const transport = new SocketIoTransport(socket, opts.closeGraceMs, opts.bufferLimit, deps.metrics.counts);
      const session = new Session(transport, { ...deps, onEnd: (s) => this.sessions.delete(s) }, opts.pingIntervalMs);
      this.sessions.add(session);
      // 'ready' (not 'drain'): engine.io marks the transport writable only after emitting 'drain'.
      socket.conn.transport.on('ready', () => session.outbox.pump());
      socket.onAny((event: string, ...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: unknown) => void) : undefined;
        const payload = args[0];
        const value = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? { ...payload, type: event } : { type: event, payload };
        const reply = session.handle(value);
        if (ack && reply) ack(reply);
      });
      socket.on('disconnect', () => session.end());
      session.start();
    });
  }

  /** Closes every socket.io client and the HTTP server. */
  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.end();
    await this.io.close();
  }
}
