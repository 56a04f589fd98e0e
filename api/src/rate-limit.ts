import type { IncomingMessage, RequestListener } from 'node:http';
import proxyAddr from 'proxy-addr';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { XtError } from '@xtrader/protocol';
import type { CorsPolicy } from './cors';
import { clip } from './errors';
import type { ApiMetrics } from './metrics';
import { writeJson } from './raw-json';
import { BinanceError } from './binance/errors';

export interface RateLimitOptions {
  /** Orders and cancels a client address may send to this node per window; 0 turns the limit off. */
  orders: number;
  /** The window in seconds (a client may spend its whole budget in a burst). */
  windowSeconds: number;
  /**
   * Which peers are proxies whose `X-Forwarded-For` names the client (proxy-addr's trust list,
   * e.g. `loopback,uniquelocal` for nginx on the same host or the compose network).
   */
  trustProxy: string;
}

/** A path with an optional trailing slash and query. */
const route = (path: string) => new RegExp(`^${path}/?(\\?|$)`);

/**
 * Routes that change the book, in both dialects, by method: the only ones a client could flood
 * the engines with (places, cancels, amends and cancel-alls).
 */
const ORDER_ENTRY: Record<string, RegExp[]> = {
  POST: [route('/(api/)?v1/order(/cancel|/amend)?'), route('/api/v3/order')],
  DELETE: [/^\/(api\/)?v1\/order\//, route('/(api/)?v1/orders'), route('/api/v3/order'), route('/api/v3/openOrders')],
};

function isOrderEntry(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return (ORDER_ENTRY[req.method ?? ''] ?? []).some((re) => re.test(url));
}

/**
 * Answers 429 `RATE_LIMITED` (with `Retry-After`) to a client address that sends more orders and
 * cancels per window than allowed, before anything is read or appended; everything else passes to
 * `next`. The budget is per api node, counted in memory (rate-limiter-flexible's fixed window,
 * which starts at the client's first order): an extra Redis round trip per order would cost more
 * than the limit protects, and a balancer spreading a client over N nodes gives it at most N times
 * the budget, which is still bounded.
 */
export function rateLimit(opts: RateLimitOptions, metrics: ApiMetrics, cors: CorsPolicy, next: RequestListener): RequestListener {
  if (opts.orders <= 0) return next;
  const limiter = new RateLimiterMemory({ points: opts.orders, duration: opts.windowSeconds });
  const budget = opts.windowSeconds === 1 ? `${opts.orders} orders and cancels per second` : `${opts.orders} orders and cancels in ${opts.windowSeconds} s`;
  const trust = proxyAddr.compile(opts.trustProxy.split(',').map((s) => s.trim()).filter(Boolean));
  return (req, res) => {
    if (!isOrderEntry(req)) return next(req, res);
    const client = proxyAddr(req, trust);
    limiter.consume(client).then(
      () => next(req, res),
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) return next(req, res); // never happens in memory
        const err = new XtError('RATE_LIMITED', `more than ${budget} from ${clip(client)}; retry in ${refusal.msBeforeNext} ms`);
        metrics.errors.inc({ code: err.code });
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
        const binance = (req.url ?? '').startsWith('/api/v3/');
        const body = binance ? new BinanceError('TOO_MANY_REQUESTS', `Too many new orders; ${err.message}`).toBody() : err.toBody();
        writeJson(res, err.status, body, cors.headers(req.headers.origin));
      },
    );
  };
}
