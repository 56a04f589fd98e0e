import { createHmac } from 'node:crypto';

/**
 * What a trading script does with an API key, written from the documented rule alone (not the
 * api's code): XT-SIGNATURE is the lowercase hex HMAC-SHA256, keyed with the secret, of
 * timestamp + METHOD + request target (path and query as sent) + raw body.
 */
export class SignedClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly apiSecret: string,
  ) {}

  async request(method: 'GET' | 'POST' | 'DELETE', target: string, payload?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const timestamp = String(Date.now());
    const signature = createHmac('sha256', this.apiSecret).update(`${timestamp}${method}${target}${body}`).digest('hex');
    const res = await fetch(this.baseUrl + target, {
      method,
      headers: {
        'XT-API-KEY': this.apiKey,
        'XT-TIMESTAMP': timestamp,
        'XT-SIGNATURE': signature,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body || undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}
