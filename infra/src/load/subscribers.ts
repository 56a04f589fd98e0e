import WebSocket from 'ws';

/** What a subscriber reports for each Execution it receives. */
export interface ExecutionSeen {
  exec_id: string;
  order_id: string;
  maker_order_id?: string;
  /** performance.now() when the frame was handled. */
  at: number;
}

/**
 * One plain-WebSocket subscriber to the executions of `symbols` (the scenario of
 * infra/k6/ws-subscribers.ts): subscribes, answers Ping with Pong, and hands every Execution on.
 */
export class ExecutionSubscriber {
  received = 0;
  errors: string[] = [];
  private ws?: WebSocket;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly symbols: string[],
    private readonly onExecution: (e: ExecutionSeen) => void,
  ) {}

  /** Resolves once the server confirmed the subscription. */
  open(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      const timer = setTimeout(() => reject(new Error(`no SubscribeSuccess from ${this.url} within ${timeoutMs} ms`)), timeoutMs);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'Subscribe', channels: ['executions'], symbols: this.symbols })));
      ws.on('message', (data) => {
        const at = performance.now();
        const msg = JSON.parse(data.toString()) as { type: string } & Partial<ExecutionSeen> & { timestamp?: number; message?: string };
        switch (msg.type) {
          case 'Execution':
            this.received++;
            this.onExecution({ exec_id: msg.exec_id!, order_id: msg.order_id!, maker_order_id: msg.maker_order_id, at });
            break;
          case 'SubscribeSuccess':
            clearTimeout(timer);
            resolve();
            break;
          case 'Ping':
            ws.send(JSON.stringify({ type: 'Pong', timestamp: msg.timestamp ?? Date.now() }));
            break;
          case 'Error':
            this.errors.push(`server error: ${msg.message}`);
            break;
          default:
            break;
        }
      });
      ws.on('error', (e) => {
        this.errors.push(`socket error: ${e.message}`);
        clearTimeout(timer);
        reject(e);
      });
      ws.on('close', (code) => {
        if (!this.closing) this.errors.push(`closed by the server (code ${code})`);
      });
    });
  }

  close(): void {
    this.closing = true;
    this.ws?.close();
  }
}
