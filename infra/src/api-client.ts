import type { PlaceOrderAccepted, PlaceOrderRequest, SymbolsResponse } from '@xtrader/protocol';

/** A failed API call: the HTTP status (0 when the request never got an answer) and body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A minimal REST client of the public API (what a bot would write), used by the demo bot and
 * the load runner. `baseUrl` is an api node or the load balancer, without `/api/v1`.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  placeOrder(body: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
    return this.request('POST', '/api/v1/order', body);
  }

  /** Resolves with the cancelled order; rejects with status 404 when there was nothing to cancel. */
  cancelOrder(orderId: string): Promise<unknown> {
    return this.request('POST', '/api/v1/order/cancel', { order_id: orderId });
  }

  symbols(): Promise<SymbolsResponse> {
    return this.request('GET', '/api/v1/symbols');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `${method} ${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = json as { error?: string; message?: string } | undefined;
      throw new ApiError(res.status, err?.error ?? `HTTP_${res.status}`, `${method} ${path}: ${err?.message ?? text.slice(0, 200)}`);
    }
    return json as T;
  }
}
