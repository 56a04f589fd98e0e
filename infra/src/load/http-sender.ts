import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * POSTs JSON over a bounded pool of keep-alive connections, round robin over `baseUrls`
 * (several api nodes without a balancer). Requests beyond the pool wait in the agent's queue,
 * so the schedule stays open-loop and a slow server shows up as latency, not as a lower rate.
 */
export class HttpSender {
  private readonly agent: Agent;
  private readonly targets: URL[];
  private next = 0;

  constructor(baseUrls: string[], connections: number, private readonly timeoutMs = 10_000) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
    this.targets = baseUrls.map((u) => new URL(u));
  }

  post(path: string, body: string): Promise<HttpAnswer> {
    const target = this.targets[this.next++ % this.targets.length];
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
