import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { LiveCounts } from './metrics';
import type { Outgoing } from './outgoing';
import { Session, type ClientTransport, type SessionDeps } from './session';
import type { WriteBatch } from './write-batch';

export interface WsGatewayOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  highWaterBytes: number;
  closeGraceMs: number;
  /** Shared by every client socket of the node. */
  batch: WriteBatch;
}

/** A /ws connection as a {@link ClientTransport}. */
class WsTransport implements ClientTransport {
  readonly kind = 'ws' as const;
  private killTimer?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly highWaterBytes: number,
    private readonly closeGraceMs: number,
    private readonly counts: LiveCounts,
    private readonly batch: WriteBatch,
  ) {}

  writable(): boolean {
    // bufferedAmount counts what the kernel has not taken yet: a client that stops reading
    // fills it, and from then on its messages wait (bounded) in the outbox instead.
    return this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount < this.highWaterBytes;
  }

  write(out: Outgoing): void {
    // The frame is encoded once for all receivers and written straight to the TCP socket. Safe
    // beside ws's own writes: without compression ws writes each frame whole and synchronously,
    // so frames never interleave, and bufferedAmount still counts these bytes.
    this.batch.write(this.socket, out.wsFrame);
    out.written();
    this.counts.delivered.ws++;
  }

  buffered(): number {
    return 0;
  }

  join(): void {}
  leave(): void {}

  close(last: Outgoing | null, reason: string, code = 1008): void {
    if (this.ws.readyState === WebSocket.OPEN) {
      if (last) this.ws.send(last.wsPayload);
      this.ws.close(code, reason);
    }
    // A client that does not read never answers the close frame either.
    this.killTimer ??= setTimeout(() => this.ws.terminate(), this.closeGraceMs);
    this.killTimer.unref();
  }
}

/**
 * The plain WebSocket protocol at `/ws` (docs/protocol.md): one JSON object per text frame, an
 * app-level Ping every `pingIntervalMs`, and a client silent (no Pong) for `pongTimeoutMs` is
 * closed and cleaned up.
 */
export class WsGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, clientTracking: false, perMessageDeflate: false });
  readonly sessions = new Set<Session>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly deps: Omit<SessionDeps, 'onEnd'>,
    private readonly opts: WsGatewayOptions,
  ) {
    const tick = Math.max(10, Math.min(1_000, opts.pingIntervalMs / 2, opts.pongTimeoutMs / 4));
    this.heartbeat = setInterval(() => this.sweep(), tick);
    this.heartbeat.unref();
  }

  /** Takes over an HTTP upgrade request for `/ws`. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket));
  }

  private accept(ws: WebSocket, socket: Socket): void {
    const transport = new WsTransport(ws, socket, this.opts.highWaterBytes, this.opts.closeGraceMs, this.deps.metrics.counts, this.opts.batch);
    const session = new Session(transport, { ...this.deps, onEnd: (s) => this.sessions.delete(s) }, this.opts.pingIntervalMs);
    this.sessions.add(session);
    // The kernel took what was buffered: hand the client what waits in its outbox.
    socket.on('drain', () => session.outbox.pump());
    ws.on('message', (data) => session.handleText(data.toString()));
    ws.on('close', () => session.end());
    ws.on('error', () => session.end());
    session.start();
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of this.sessions) {
      if (now - s.lastPongAt > this.opts.pongTimeoutMs) {
        s.drop('HEARTBEAT_TIMEOUT', `no Pong for ${this.opts.pongTimeoutMs} ms`);
      } else if (now >= s.nextPingAt) {
        s.nextPingAt = now + this.opts.pingIntervalMs;
        s.send({ type: 'Ping', timestamp: now });
      }
    }
  }

  /** Closes every /ws client (1001, going away). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const s of [...this.sessions]) {
      s.end();
      (s.transport as WsTransport).close(null, 'server shutting down', 1001);
    }
  }
}
