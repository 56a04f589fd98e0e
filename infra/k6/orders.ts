/**
 * Order flow over HTTP: crossing pairs (a resting Sell, then the Buy that takes it) at a
 * constant arrival rate, with thresholds on errors and latency.
 *
 *   k6 run -e XT_BASE_URL=http://127.0.0.1:8080 -e XT_RATE=5000 -e XT_DURATION=60s infra/k6/orders.ts
 *
 * XT_RATE is orders per second (two per iteration). Run infra/k6/ws-subscribers.ts alongside to
 * measure pushes. Settings: see scenario.ts and docs/operations.md.
 */
import { check } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { BASE_URL, createCredentials, DURATION, loadPairMarkets, signedHeaders, type K6Credentials, type PairMarket } from './scenario.ts';

const RATE = Number(__ENV.XT_RATE || 5000);
const accepted = new Counter('xt_orders_accepted');
const refused = new Counter('xt_orders_refused');

export const options: Options = {
  scenarios: {
    orders: {
      executor: 'constant-arrival-rate',
      rate: Math.max(1, Math.round(RATE / 2)),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Number(__ENV.XT_VUS || 200),
      maxVUs: Number(__ENV.XT_MAX_VUS || 2000),
    },
  },
  thresholds: {
    // Zero errors: every order answered 202.
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    // The seed's single-machine target: p99 <= 20 ms for the accept.
    'http_req_duration{name:place}': ['p(99)<=20', 'p(99.9)<=50'],
    // The arrival rate was actually sustained (k6 drops iterations it has no VU for).
    dropped_iterations: ['count==0'],
  },
  discardResponseBodies: false,
};

interface Data {
  markets: PairMarket[];
  /**
   * Sells are signed with one account's key and Buys with another's, both created in setup():
   * one account's Sell and Buy would not trade (self-trade prevention expires the resting one).
   */
  seller: K6Credentials;
  buyer: K6Credentials;
}

export function setup(): Data {
  return { markets: loadPairMarkets(), seller: createCredentials('k6s'), buyer: createCredentials('k6b') };
}

function place(data: Data, market: PairMarket, side: 'Buy' | 'Sell'): void {
  const body = JSON.stringify({ symbol: market.symbol, side, type: 'Limit', price: market.price, quantity: market.quantity });
  const res = http.post(`${BASE_URL}/api/v1/order`, body, {
    headers: { 'content-type': 'application/json', ...signedHeaders(side === 'Sell' ? data.seller : data.buyer, 'POST', '/api/v1/order', body) },
    tags: { name: 'place' },
  });
  const ok = check(res, {
    'order accepted (202)': (r) => r.status === 202,
    'has an order_id': (r) => r.status === 202 && typeof r.json('order_id') === 'string',
  });
  (ok ? accepted : refused).add(1, { symbol: market.symbol });
}

export default function (data: Data): void {
  // Spread pairs over the markets; the Sell goes first so the Buy takes it.
  const market = data.markets[(__VU * 7919 + __ITER) % data.markets.length];
  place(data, market, 'Sell');
  place(data, market, 'Buy');
}
