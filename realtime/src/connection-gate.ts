import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Bounds on what clients may hold on one realtime node. */
export interface ConnectionLimits {
  /** Open connections (/ws and socket.io together) one client address may hold. */
  perAddress: number;
  /** Open connections the node holds in all. */
  total: number;
  /** Subscribe, Unsubscribe and Auth messages one connection may send per second. */
  subscribesPerSecond: number;
  /** Peers whose X-Forwarded-For names the client (proxy-addr trust list; '' = none). */
  trustProxy: string;
}

/** Defaults of XT_WS_MAX_PER_ADDRESS, XT_WS_MAX_CONNECTIONS, XT_SUBSCRIBES_PER_SECOND, XT_TRUST_PROXY. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perAddress: 100, total: 20_000, subscribesPerSecond: 20, trustProxy: '' };

/** Why a connection was refused: the HTTP status of the refused handshake and a message. */
export interface Refusal {
  status: 429 | 503;
  message: string;
}

/**
 * Counts open client connections per address and in total, for both transports; a connection is
 * counted from its handshake until its TCP socket closes, whatever closes it.
 */
export class ConnectionGate {
  private open = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly trust: ReturnType<typeof proxyAddr.compile>;

  constructor(private readonly limits: ConnectionLimits) {
    this.trust = proxyAddr.compile(limits.trustProxy.split(',').map((s) => s.trim()).filter(Boolean));
  }

  get size(): number {
    return this.open;
  }

  /** Counts the connection of `req`, or says why it is refused (then nothing is counted). */
  admit(req: IncomingMessage): Refusal | undefined {
    if (this.open >= this.limits.total) return { status: 503, message: `this node holds its maximum of ${this.limits.total} connections; try again later` };
    const address = proxyAddr(req, this.trust);
    const mine = this.byAddress.get(address) ?? 0;
    if (mine >= this.limits.perAddress) return { status: 429, message: `at most ${this.limits.perAddress} connections per client address` };
    this.open++;
    this.byAddress.set(address, mine + 1);
    req.socket.once('close', () => {
      this.open--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    });
    return undefined;
  }
}

/**
 * Answers a refused WebSocket upgrade on the raw socket (there is no response object yet) and
 * closes it.
 */
export function refuseUpgrade(socket: NodeJS.WritableStream & { destroy(): void }, refusal: Refusal): void {
  const body = JSON.stringify({ error: refusal.status === 429 ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE', message: refusal.message });
  const reason = refusal.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  socket.end(`HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
