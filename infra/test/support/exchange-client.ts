import WebSocket from 'ws';
import type { OrderView, PlaceOrderRequest } from '@xtrader/protocol';
import { signature } from '@xtrader/protocol/node';
import type { ApiClient } from '../../src/api-client';

/** The XT_ADMIN_TOKEN the infra tests give their stacks, so their accounts can be funded. */
export const TEST_ADMIN_TOKEN = 'infra-test-admin-token';

/** A placed order and the node (as nginx reports it) that took it. */
export interface Placed {
  order_id: string;
  upstream: string;
}

/** POST /api/v1/order through the client's base URL, signed with its key; throws unless 202. */
export async function placeOrder(client: ApiClient, body: PlaceOrderRequest): Promise<Placed> {
  const text = JSON.stringify(body);
  const res = await fetch(`${client.baseUrl}/api/v1/order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...client.sign('POST', '/api/v1/order', text) },
    body: text,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await res.text();
  if (res.status !== 202) throw new Error(`order answered ${res.status}: ${answer}`);
  return { order_id: (JSON.parse(answer) as { order_id: string }).order_id, upstream: res.headers.get('x-xt-upstream') ?? '' };
}

/** GET /api/v1/order/{id} as the client's account: the order's view, or undefined on 404. */
export async function getOrder(client: ApiClient, id: string): Promise<OrderView | undefined> {
  const path = `/api/v1/order/${id}`;
  const res = await fetch(`${client.baseUrl}${path}`, { headers: client.sign('GET', path, ''), signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET order ${id} answered ${res.status}`);
  return (await res.json()) as OrderView;
}

type Message = { type: string } & Record<string, unknown>;

/**
 * A plain /ws client that remembers every message and which realtime node nginx connected it
 * to (the X-XT-Upstream header of the upgrade answer).
 */
export class FeedClient {
  readonly messages: Message[] = [];
  upstream = '';
  closedByServer = false;
  private waiters: Array<{ pred: (m: Message) => boolean; resolve: (m: Message) => void }> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Message;
      if (msg.type === 'Ping') ws.send(JSON.stringify({ type: 'Pong', timestamp: Date.now() }));
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(msg)) return true;
        w.resolve(msg);
        return false;
      });
    });
    ws.on('close', () => (this.closedByServer = true));
  }

  static connect(url: string): Promise<FeedClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new FeedClient(ws);
      ws.once('upgrade', (res) => (client.upstream = String(res.headers['x-xt-upstream'] ?? '')));
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** The first message (already received or to come) matching `pred`. */
  next(pred: (m: Message) => boolean, what: string, timeoutMs = 20_000): Promise<Message> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms (node ${this.upstream})`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  async subscribe(channels: string[], symbols?: string[]): Promise<void> {
    const from = this.messages.length;
    this.ws.send(JSON.stringify({ type: 'Subscribe', channels, ...(symbols ? { symbols } : {}) }));
    await this.next((m) => m.type === 'SubscribeSuccess' && this.messages.indexOf(m) >= from, 'SubscribeSuccess');
  }

  /** Authenticates the connection with the client's signed API key (its private channels then follow). */
  async auth(client: ApiClient): Promise<void> {
    const timestamp = Date.now();
    const { apiKey, apiSecret } = client.credentials!;
    this.ws.send(JSON.stringify({ type: 'Auth', api_key: apiKey, timestamp, signature: signature(apiSecret, timestamp, 'GET', '/ws', '') }));
    const answer = await this.next((m) => m.type === 'AuthSuccess' || m.type === 'Error', 'AuthSuccess');
    if (answer.type !== 'AuthSuccess') throw new Error(`Auth answered ${JSON.stringify(answer)}`);
  }

  execution(orderId: string, timeoutMs?: number): Promise<Message> {
    return this.next((m) => m.type === 'Execution' && m.order_id === orderId, `Execution of ${orderId}`, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
