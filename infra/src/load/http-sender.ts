import { Pool } from 'undici';

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * POSTs JSON over a bounded pool of keep-alive connections (undici: about half the client CPU
 * of node:http per request, which matters when the load runner shares two cores with the
 * exchange), round robin over `baseUrls` (several api nodes without a balancer). Requests beyond
 * the pool wait in its queue, so the schedule stays open-loop and a slow server shows up as
 * latency, not as a lower send rate.
 */
export class HttpSender {
  private readonly pools: Pool[];
  private next = 0;

  constructor(baseUrls: string[], connections: number, timeoutMs = 10_000) {
    const perTarget = Math.max(1, Math.ceil(connections / baseUrls.length));
    this.pools = baseUrls.map((u) => new Pool(new URL(u).origin, { connections: perTarget, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }));
  }

  async post(path: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const pool = this.pools[this.next++ % this.pools.length];
    const res = await pool.request({ method: 'POST', path, body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.statusCode, text: await res.body.text() };
  }

  /** Drops every connection and whatever is still queued. */
  close(): void {
    for (const p of this.pools) void p.destroy().catch(() => {});
  }
}
