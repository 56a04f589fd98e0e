import type { RedisClient } from '@xtrader/platform';
import { Router, type Response } from 'express';
import { describeMarket, XtError, type MarketSpec } from '@xtrader/protocol';
import { LIMITS, parseCount, parseInterval, parseSymbol, parseTime } from './params';
import { MarketReader } from './reader';

export interface MarketRouterDeps {
  redis: RedisClient;
  prefix: string;
  markets: ReadonlyMap<string, MarketSpec>;
}

/**
 * Market-data routes, mounted at `/api/v1` by the api app (answers: docs/protocol.md §2):
 * - `GET /orderbook/:symbol?depth=10` (1..50) -> `{orderbook: {symbol, bids, asks, timestamp, sequence}}`
 * - `GET /klines/:symbol/:interval?limit=100&start=&end=` (1..1000) -> `{symbol, interval, candles}` oldest first
 * - `GET /trades/:symbol?limit=50` (1..1000) -> `{symbol, trades}` newest first
 * - `GET /statistics/:symbol` -> the MarketStatistics object
 * - `GET /symbols` -> `{symbols: [...]}`
 * Errors (thrown XtError, answered by the app's error handler): 400 SYMBOL_NOT_FOUND,
 * INVALID_INTERVAL, INVALID_DEPTH, INVALID_LIMIT, INVALID_REQUEST (start/end); 503 when Redis is down.
 */
export function marketRouter({ redis, prefix, markets }: MarketRouterDeps): Router {
  const reader = new MarketReader(redis, prefix);
  const router = Router({ caseSensitive: true });
  const symbols = JSON.stringify({ symbols: [...markets.values()].map(describeMarket) });

  router.get('/symbols', (_req, res) => {
    sendJson(res, symbols);
  });

  router.get('/orderbook/:symbol', async (req, res) => {
    const spec = parseSymbol(req.params.symbol, markets);
    const depth = parseCount(req.query.depth, LIMITS.depth, 'INVALID_DEPTH', 'depth');
    res.json({ orderbook: await reader.orderbook(spec, depth) });
  });

  router.get('/klines/:symbol/:interval', async (req, res) => {
    const spec = parseSymbol(req.params.symbol, markets);
    const interval = parseInterval(req.params.interval);
    const limit = parseCount(req.query.limit, LIMITS.klines, 'INVALID_LIMIT', 'limit');
    const start = parseTime(req.query.start, 'start');
    const end = parseTime(req.query.end, 'end');
    if (start !== undefined && end !== undefined && start > end) throw new XtError('INVALID_REQUEST', 'start must not be after end');
    const candles = await reader.candles(spec, interval, limit, start, end);
    sendJson(res, `{"symbol":${JSON.stringify(spec.symbol)},"interval":"${interval}","candles":[${candles.join(',')}]}`);
  });

  router.get('/trades/:symbol', async (req, res) => {
    const spec = parseSymbol(req.params.symbol, markets);
    const limit = parseCount(req.query.limit, LIMITS.trades, 'INVALID_LIMIT', 'limit');
    const trades = await reader.trades(spec, limit);
    sendJson(res, `{"symbol":${JSON.stringify(spec.symbol)},"trades":[${trades.join(',')}]}`);
  });

  router.get('/statistics/:symbol', async (req, res) => {
    const spec = parseSymbol(req.params.symbol, markets);
    res.json(await reader.statistics(spec));
  });

  return router;
}

/** Sends JSON already encoded (stored items are spliced in, not parsed and re-encoded). */
function sendJson(res: Response, body: string): void {
  res.type('application/json').send(body);
}
