import { Router, type Request } from 'express';
import { INTERVALS, type Candle, type Interval, type MarketSpec, type Trade } from '@xtrader/protocol';
import { LIMITS } from '../market/params';
import type { MarketReader } from '../market/reader';
import { BinanceError } from './errors';
import { decimalsOf, type BinanceMarkets } from './markets';
import type { BinanceParams } from './params';
import { aggTradeShape, bookTickerShape, depthShape, klineShape, priceTickerShape, symbolInfoShape, ticker24hShape, tradeShape, type BookTop } from './shapes';
import type { RequestWeight } from './weight';

export interface PublicRouteDeps {
  markets: BinanceMarkets;
  reader: MarketReader;
  weight: RequestWeight;
  clientOf: (req: Request) => string;
  paramsOf: (req: Request) => BinanceParams;
}

/** Binance's intervals that we keep candles for (the others answer -1120). */
const KLINE_INTERVALS: ReadonlySet<string> = new Set(INTERVALS);

/**
 * The public market-data routes of `/api/v3`, over the same reads as `/api/v1`'s market routes
 * (`MarketReader`): ping, time, exchangeInfo, depth, trades, aggTrades, klines, ticker/24hr,
 * ticker/price, ticker/bookTicker.
 */
export function publicRoutes({ markets, reader, weight, clientOf, paramsOf }: PublicRouteDeps): Router {
  const router = Router({ caseSensitive: true });
  const charge = (w: number | ((q: Record<string, unknown>) => number)) => weight.charge(w, clientOf);
  /** One symbol, or a JSON list in `symbols`, or every market when neither is sent. */
  const symbolsOf = (p: BinanceParams): { specs: MarketSpec[]; single: boolean } => {
    const one = p.optional('symbol');
    const many = p.optional('symbols');
    if (one !== undefined && many !== undefined) throw new BinanceError('ILLEGAL_CHARS', "Parameters 'symbol' and 'symbols' cannot be sent together.");
    if (one !== undefined) return { specs: [markets.spec(one)], single: true };
    if (many === undefined) return { specs: markets.all(), single: false };
    let names: unknown;
    try {
      names = JSON.parse(many);
    } catch {
      names = undefined;
    }
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
      throw new BinanceError('ILLEGAL_CHARS', "Illegal characters found in parameter 'symbols'; it must be a JSON list such as [\"BTCKRW\"].");
    }
    return { specs: (names as string[]).map((n) => markets.spec(n)), single: false };
  };
  const top = async (spec: MarketSpec): Promise<BookTop> => {
    const book = await reader.orderbook(spec, 1);
    return { bid: book.bids[0], ask: book.asks[0] };
  };
  const allWeight = (single: number, all: number) => (q: Record<string, unknown>) => (q.symbol !== undefined ? single : all);

  router.get('/ping', charge(1), (req, res) => {
    paramsOf(req).finish();
    res.json({});
  });

  router.get('/time', charge(1), (req, res) => {
    paramsOf(req).finish();
    res.json({ serverTime: Date.now() });
  });

  router.get('/exchangeInfo', charge(20), (req, res) => {
    const p = paramsOf(req);
    const { specs } = symbolsOf(p);
    p.finish();
    res.json({
      timezone: 'UTC',
      serverTime: Date.now(),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weight.perMinute }],
      exchangeFilters: [],
      symbols: specs.map((s) => symbolInfoShape(s, markets.nameOf(s.symbol))),
    });
  });

  router.get('/depth', charge(5), async (req, res) => {
    const p = paramsOf(req);
    const spec = markets.spec(p.required('symbol'));
    // Binance allows up to 5000 levels; the book kept for readers has LIMITS.depth.max a side.
    const limit = p.integer('limit', 1, 5000) ?? 100;
    p.finish();
    res.json(depthShape(spec, await reader.orderbook(spec, Math.min(limit, LIMITS.depth.max))));
  });

  const recentTrades = async (spec: MarketSpec, limit: number): Promise<Trade[]> =>
    (await reader.trades(spec, Math.min(limit, LIMITS.trades.max))).map((t) => JSON.parse(t) as Trade).reverse();

  router.get('/trades', charge(25), async (req, res) => {
    const p = paramsOf(req);
    const spec = markets.spec(p.required('symbol'));
    const limit = p.integer('limit', 1, 1000) ?? 500;
    p.finish();
    res.json((await recentTrades(spec, limit)).map((t) => tradeShape(spec, t)));
  });

  router.get('/aggTrades', charge(4), async (req, res) => {
    const p = paramsOf(req);
    const spec = markets.spec(p.required('symbol'));
    const limit = p.integer('limit', 1, 1000) ?? 500;
    const start = p.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const end = p.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    p.finish();
    // Only the most recent trades are kept for readers: a time range reaches back as far as they go.
    const trades = (await recentTrades(spec, LIMITS.trades.max)).filter((t) => (start === undefined || t.timestamp >= start) && (end === undefined || t.timestamp <= end));
    const picked = start !== undefined ? trades.slice(0, limit) : trades.slice(-limit);
    res.json(picked.map((t) => aggTradeShape(spec, t)));
  });

  router.get('/klines', charge(2), async (req, res) => {
    const p = paramsOf(req);
    const spec = markets.spec(p.required('symbol'));
    const interval = p.required('interval');
    if (!KLINE_INTERVALS.has(interval)) throw new BinanceError('INVALID_INTERVAL', `Invalid interval; served: ${INTERVALS.join(', ')}.`);
    const limit = p.integer('limit', 1, LIMITS.klines.max) ?? 500;
    const start = p.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
    const end = p.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
    p.oneOf('timeZone', ['0', '+00:00'] as const);
    p.finish();
    if (start !== undefined && end !== undefined && start > end) throw new BinanceError('ILLEGAL_CHARS', 'startTime must not be after endTime.');
    const candles = await reader.candles(spec, interval as Interval, limit, start, end);
    const d = decimalsOf(spec);
    res.json(candles.map((c) => klineShape(d, JSON.parse(c) as Candle)));
  });

  router.get('/ticker/24hr', charge(allWeight(2, 80)), async (req, res) => {
    const p = paramsOf(req);
    const { specs, single } = symbolsOf(p);
    p.oneOf('type', ['FULL'] as const);
    p.finish();
    const now = Date.now();
    const rows = await Promise.all(specs.map(async (s) => ticker24hShape(s, markets.nameOf(s.symbol), await reader.statistics(s), await top(s), now)));
    res.json(single ? rows[0] : rows);
  });

  router.get('/ticker/price', charge(allWeight(2, 4)), async (req, res) => {
    const p = paramsOf(req);
    const { specs, single } = symbolsOf(p);
    p.finish();
    const rows = await Promise.all(specs.map(async (s) => priceTickerShape(s, markets.nameOf(s.symbol), await reader.statistics(s))));
    res.json(single ? rows[0] : rows);
  });

  router.get('/ticker/bookTicker', charge(allWeight(2, 4)), async (req, res) => {
    const p = paramsOf(req);
    const { specs, single } = symbolsOf(p);
    p.finish();
    const rows = await Promise.all(specs.map(async (s) => bookTickerShape(s, markets.nameOf(s.symbol), await top(s))));
    res.json(single ? rows[0] : rows);
  });

  return router;
}
