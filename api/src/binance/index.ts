import express, { Router, type Request } from 'express';
import type { Logger, RedisClient } from '@xtrader/platform';
import type { CredentialReader } from '@xtrader/platform';
import type { MarketSpec } from '@xtrader/protocol';
import type { Principal } from '../auth/account-store';
import type { MarketReader } from '../market/reader';
import type { ApiMetrics } from '../metrics';
import { JSON_BODY_LIMIT } from '../raw-json';
import { binanceErrorHandler, BinanceError } from './errors';
import { BinanceMarkets } from './markets';
import { OrderNumbers } from './order-numbers';
import { BinanceParams } from './params';
import { publicRoutes } from './public-routes';
import { signedRoutes, type OrderFunctions } from './signed-routes';
import { RequestWeight } from './weight';

export { BinanceError } from './errors';
export { binanceSignature } from './signing';
export { DEFAULT_WEIGHT_PER_MINUTE } from './weight';
export type { OrderFunctions } from './signed-routes';

export interface BinanceRouterDeps {
  redis: RedisClient;
  prefix: string;
  markets: ReadonlyMap<string, MarketSpec>;
  reader: MarketReader;
  orders: OrderFunctions;
  credentials: CredentialReader;
  /** Spends one of the account's trade requests (the per-account limit of `/api/v1`). */
  chargeTrade: (who: Principal) => Promise<void>;
  metrics: ApiMetrics;
  log: Logger;
  /** The client address a request comes from (the app's trusted-proxy rule). */
  clientOf: (req: Request) => string;
  /** Request weight per client address per minute (default {@link DEFAULT_WEIGHT_PER_MINUTE}; 0 = unlimited). */
  weightPerMinute?: number;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const PARAMS = Symbol('binanceParams');
type WithParams = Request & { [PARAMS]?: BinanceParams; binanceBody?: string };

function queryOf(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return q === -1 ? '' : req.originalUrl.slice(q + 1);
}

function bodyOf(req: Request): string {
  return (req as WithParams).binanceBody ?? '';
}

/**
 * Binance's spot REST dialect under `/api/v3` (docs/binance-compat.md): a translation layer over
 * the exchange's own market reads, place/cancel/query functions and account functions. Parameters
 * come in the query string or a form body, as Binance clients send them; every failure answers
 * `{code, msg}` with Binance's codes.
 */
export function binanceRouter(deps: BinanceRouterDeps): Router {
  const markets = new BinanceMarkets(deps.markets);
  const weight = new RequestWeight(deps.weightPerMinute);
  const numbers = new OrderNumbers(deps.redis, deps.prefix);
  const router = Router({ caseSensitive: true });
  router.use(express.text({ type: () => true, limit: JSON_BODY_LIMIT }));
  router.use((req, _res, next) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (body !== '' && type !== FORM_TYPE) return next(new BinanceError('ILLEGAL_CHARS', `Parameters are sent in the query string or as a ${FORM_TYPE} body.`));
    (req as WithParams).binanceBody = body;
    next();
  });
  const paramsOf = (req: Request): BinanceParams => {
    const r = req as WithParams;
    return (r[PARAMS] ??= new BinanceParams(queryOf(req), bodyOf(req)));
  };
  router.use(publicRoutes({ markets, reader: deps.reader, weight, clientOf: deps.clientOf, paramsOf }));
  router.use(signedRoutes({ markets, orders: deps.orders, numbers, credentials: deps.credentials, chargeTrade: deps.chargeTrade, weight, clientOf: deps.clientOf, paramsOf, queryOf, bodyOf }));
  router.use((_req, _res, next) => next(new BinanceError('NOT_FOUND', 'No such route in the Binance-compatible API (docs/binance-compat.md lists what is served).')));
  router.use(binanceErrorHandler(deps.log, deps.metrics));
  return router;
}
