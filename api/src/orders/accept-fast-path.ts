import type { RequestListener } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '@xtrader/platform';
import type { CorsPolicy } from '../cors';
import { toXtError } from '../errors';
import type { ApiMetrics } from '../metrics';
import type { Authenticator } from '../auth/authenticate';
import { RateLimited } from '../auth/redis-limit';
import { isPlainJson, readRawJsonBody, writeJson } from '../raw-json';
import type { PlaceAnswer, PlaceOrder, PlaceQuery } from './place';

/** The paths of `POST /order` (the router is mounted at both); also the metrics route label. */
const PLACE_PATHS = new Set(['/api/v1/order', '/v1/order']);
const NO_QUERY: PlaceQuery = {};

export interface AcceptFastPathDeps {
  place: PlaceOrder;
  auth: Authenticator;
  metrics: ApiMetrics;
  log: Logger;
  cors: CorsPolicy;
}

/**
 * Serves `POST /api/v1/order` and `POST /v1/order` straight from `node:http`, in front of Express:
 * the accept path is the api's hot path, and Express's router, middleware chain and response
 * helpers cost more CPU per order than validating it and appending it to Redis. Answers, errors,
 * CORS header and metrics are the same as the Express route's; any request whose body is not
 * plain JSON of a known length (see `isPlainJson`) and every other route go to `next`.
 */
export function acceptFastPath({ place, auth, metrics, log, cors }: AcceptFastPathDeps, next: RequestListener): RequestListener {
  return (req, res) => {
    if (req.method !== 'POST') return next(req, res);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!PLACE_PATHS.has(path) || !isPlainJson(req)) return next(req, res);
    const started = performance.now();
    // Express's default ("simple") query parser is node's querystring.parse.
    const query: PlaceQuery = q === -1 ? NO_QUERY : parseQuery(url.slice(q + 1));
    readRawJsonBody(req)
      .then(async ({ value, raw }) => {
        // Authenticated here, as the Express route would: the signature covers the raw body.
        const principal = await auth.authenticate({ method: 'POST', url, headers: req.headers, rawBody: raw }, 'trade');
        return place(value, query, principal.accountId);
      })
      .catch((e: unknown): PlaceAnswer => {
        const err = toXtError(e, log);
        metrics.errors.inc({ code: err.code });
        if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return { status: err.status, body: err.toBody() };
      })
      .then(({ status, body }) => {
        writeJson(res, status, body, cors.headers(req.headers.origin));
        metrics.observe('POST', path, status, (performance.now() - started) / 1000);
      })
      .catch((e: unknown) => {
        // Only a bug gets here (the answer could not be written): never an unhandled rejection.
        log.error('cannot answer POST /order', { error: String(e) });
        res.destroy();
      });
  };
}
