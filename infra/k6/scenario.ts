/**
 * What the k6 scripts share: settings from the environment (`k6 run -e NAME=value`) and the
 * markets of the exchange under test, read from GET /api/v1/symbols in `setup()`. The same
 * scenarios run without k6 as the Node load runner (infra/src/load): the crossing pairs of
 * orders.ts (a Sell and a Buy at one mid-range price and the minimum quantity, so every pair
 * trades once and the book stays empty), and the market makers of maker.ts, whose ladders sit
 * around that same mid price.
 */
import { hmac } from 'k6/crypto';
import http from 'k6/http';
import { fundingDeposits } from '../src/funds.ts';

/** Base URL of an api node or the load balancer (XT_BASE_URL, default http://127.0.0.1:7000). */
export const BASE_URL = (__ENV.XT_BASE_URL || 'http://127.0.0.1:7000').replace(/\/$/, '');
/** Realtime /ws URL (XT_WS_URL, default ws://127.0.0.1:7001/ws; behind nginx ws://host:8080/ws). */
export const WS_URL = __ENV.XT_WS_URL || 'ws://127.0.0.1:7001/ws';
/** How long each scenario runs (XT_DURATION, k6 duration syntax, default 60s). */
export const DURATION = __ENV.XT_DURATION || '60s';
/** Symbols to trade or watch (XT_SYMBOLS, comma separated, default every listed symbol). */
export const SYMBOLS: string[] | undefined = __ENV.XT_SYMBOLS ? __ENV.XT_SYMBOLS.split(',') : undefined;
/** The exchange's XT_ADMIN_TOKEN (XT_ADMIN_TOKEN): the run's account is funded through the admin routes; unset, it is not funded. */
export const ADMIN_TOKEN: string | undefined = __ENV.XT_ADMIN_TOKEN || undefined;

export interface PairMarket {
  symbol: string;
  price: string;
  quantity: string;
  /** The price in ticks, and how to write k ticks as a price: a maker's ladder around it. */
  priceTicks: number;
  tick: number;
  priceDecimals: number;
}

/** `ticks` ticks of `m` as a decimal price. */
export function priceAt(m: PairMarket, ticks: number): string {
  return (ticks * m.tick).toFixed(m.priceDecimals);
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
    return { symbol: m.symbol, price: (ticks * tick).toFixed(m.price_decimals), quantity: m.min_quantity, priceTicks: ticks, tick, priceDecimals: m.price_decimals };
  });
}

/** An API key of an account created for the run. */
export interface K6Credentials {
  apiKey: string;
  apiSecret: string;
}

/** Signs up an account, funds it (with XT_ADMIN_TOKEN), logs in and creates a read+trade key, through the API (in `setup()`). */
export function createCredentials(prefix: string): K6Credentials {
  const username = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const json = { headers: { 'content-type': 'application/json' } };
  const signup = http.post(`${BASE_URL}/api/v1/auth/signup`, JSON.stringify({ username, password }), json);
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${String(signup.body)}`);
  if (ADMIN_TOKEN) {
    const admin = { headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` } };
    for (const deposit of fundingDeposits(signup.json('account_id') as string)) {
      const res = http.post(`${BASE_URL}/api/v1/admin/deposits`, JSON.stringify(deposit), admin);
      // An asset the exchange does not list is skipped (400 ASSET_NOT_FOUND).
      if (res.status !== 200 && res.json('error') !== 'ASSET_NOT_FOUND') throw new Error(`funding ${deposit.asset} answered ${res.status}: ${String(res.body)}`);
    }
  }
  const login = http.post(`${BASE_URL}/api/v1/auth/login`, JSON.stringify({ username, password }), json);
  if (login.status !== 200) throw new Error(`login answered ${login.status}`);
  const token = login.json('token') as string;
  const key = http.post(`${BASE_URL}/api/v1/api-keys`, JSON.stringify({ label: prefix, scopes: ['read', 'trade'] }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  if (key.status !== 201) throw new Error(`creating the API key answered ${key.status}`);
  return { apiKey: key.json('api_key') as string, apiSecret: key.json('api_secret') as string };
}

/** The headers that sign one request: hex HMAC-SHA256(secret, timestamp + METHOD + target + body). */
export function signedHeaders(c: K6Credentials, method: string, target: string, body: string): Record<string, string> {
  const ts = String(Date.now());
  return { 'XT-API-KEY': c.apiKey, 'XT-TIMESTAMP': ts, 'XT-SIGNATURE': hmac('sha256', c.apiSecret, ts + method + target + body, 'hex') };
}
