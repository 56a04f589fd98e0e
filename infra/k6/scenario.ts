/**
 * What both k6 scripts share: settings from the environment (`k6 run -e NAME=value`) and the
 * markets of the exchange under test, read from GET /api/v1/symbols in `setup()`. The same
 * scenarios run without k6 as the Node load runner (infra/src/load), which uses the same
 * crossing pairs: a Sell and a Buy at one mid-range price and the minimum quantity, so every
 * pair trades once and the book stays empty.
 */
import http from 'k6/http';

/** Base URL of an api node or the load balancer (XT_BASE_URL, default http://127.0.0.1:7000). */
export const BASE_URL = (__ENV.XT_BASE_URL || 'http://127.0.0.1:7000').replace(/\/$/, '');
/** Realtime /ws URL (XT_WS_URL, default ws://127.0.0.1:7001/ws; behind nginx ws://host:8080/ws). */
export const WS_URL = __ENV.XT_WS_URL || 'ws://127.0.0.1:7001/ws';
/** How long each scenario runs (XT_DURATION, k6 duration syntax, default 60s). */
export const DURATION = __ENV.XT_DURATION || '60s';
/** Symbols to trade or watch (XT_SYMBOLS, comma separated, default every listed symbol). */
export const SYMBOLS: string[] | undefined = __ENV.XT_SYMBOLS ? __ENV.XT_SYMBOLS.split(',') : undefined;

export interface PairMarket {
  symbol: string;
  price: string;
  quantity: string;
}

interface MarketInfo {
  symbol: string;
  tick_size: string;
  max_price: string;
  min_quantity: string;
  price_decimals: number;
}

/** The crossing-pair price and quantity of every market under test. */
export function loadPairMarkets(): PairMarket[] {
  const res = http.get(`${BASE_URL}/api/v1/symbols`);
  if (res.status !== 200) throw new Error(`GET /api/v1/symbols answered ${res.status}`);
  const markets = (res.json() as unknown as { symbols: MarketInfo[] }).symbols.filter((m) => !SYMBOLS || SYMBOLS.indexOf(m.symbol) >= 0);
  if (markets.length === 0) throw new Error(`no market matches XT_SYMBOLS=${__ENV.XT_SYMBOLS}`);
  return markets.map((m) => {
    const tick = Number(m.tick_size);
    const maxTicks = Math.round(Number(m.max_price) / tick);
    const ticks = Math.max(1, Math.floor(Math.min(maxTicks, 1_000_000) / 2));
    return { symbol: m.symbol, price: (ticks * tick).toFixed(m.price_decimals), quantity: m.min_quantity };
  });
}
