import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { BinanceError, sendBinanceError } from './errors';

/** Binance's default request-weight budget per client address per minute. */
export const DEFAULT_WEIGHT_PER_MINUTE = 6000;

/**
 * Binance's request weight: each route costs its weight (Binance's own figures for the routes we
 * serve), summed per client address over a fixed one-minute window, reported in
 * `X-MBX-USED-WEIGHT-1M` / `X-MBX-USED-WEIGHT`; past the budget a request answers 429 -1003 with
 * `Retry-After` and is not served. Counted per api node in memory (a client spread over N nodes
 * gets at most N budgets), like the order-entry limit.
 */
export class RequestWeight {
  private readonly limiter: RateLimiterMemory;

  constructor(readonly perMinute: number = DEFAULT_WEIGHT_PER_MINUTE) {
    this.limiter = new RateLimiterMemory({ points: Math.max(1, perMinute), duration: 60 });
  }

  /** Middleware charging `weight` (a number, or computed from the request) to `clientOf(req)`. */
  charge(weight: number | ((query: Record<string, unknown>) => number), clientOf: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
    return (req, res, next) => {
      if (this.perMinute <= 0) return next();
      const w = typeof weight === 'number' ? weight : weight(req.query as Record<string, unknown>);
      this.limiter.consume(clientOf(req), w).then(
        (r) => {
          res.setHeader('X-MBX-USED-WEIGHT-1M', String(r.consumedPoints));
          res.setHeader('X-MBX-USED-WEIGHT', String(r.consumedPoints));
          next();
        },
        (refusal: unknown) => {
          if (!(refusal instanceof RateLimiterRes)) return next(refusal);
          res.setHeader('X-MBX-USED-WEIGHT-1M', String(refusal.consumedPoints));
          res.setHeader('X-MBX-USED-WEIGHT', String(refusal.consumedPoints));
          res.setHeader('Retry-After', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
          sendBinanceError(res, new BinanceError('TOO_MANY_REQUESTS', `Too many requests; current limit of IP is ${this.perMinute} request weight per 1 MINUTE. Retry in ${refusal.msBeforeNext} ms.`));
        },
      );
    };
  }
}
