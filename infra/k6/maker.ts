/**
 * Market makers over HTTP (the Node runner's `--workload maker`, infra/src/load/maker-flow.ts):
 * maker accounts quote XT_LEVELS price levels a side around the mid price of scenario.ts, cancel
 * and replace those quotes XT_CANCELS_PER_TAKER times per taker order, and takers send IOC orders
 * that cross the top of the book, so the book stays deep and most traffic is quote upkeep.
 *
 *   k6 run -e XT_BASE_URL=http://127.0.0.1:8080 -e XT_ADMIN_TOKEN=... -e XT_RATE=1000 -e XT_DURATION=60s infra/k6/maker.ts
 *
 * XT_RATE is commands per second: cancels, replacement places and taker orders together. Each
 * maker VU quotes its own ladder on every market (placed in its first iteration, tagged `seed`),
 * signed with one of XT_MAKERS maker accounts; Bids sit below the mid and Asks above it, so no
 * maker order crosses another. A cancel that answers 404 ORDER_NOT_FOUND named a quote a taker
 * filled first (xt_cancels_of_filled_orders; this script does not watch the feed to confirm it,
 * the Node runner does). Settings: see scenario.ts and docs/operations.md.
 */
import { check } from 'k6';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { BASE_URL, createCredentials, DURATION, loadPairMarkets, priceAt, signedHeaders, type K6Credentials, type PairMarket } from './scenario.ts';

const RATE = Number(__ENV.XT_RATE || 1000);
const MAKERS = Number(__ENV.XT_MAKERS || 8);
const TAKERS = Number(__ENV.XT_TAKERS || 2);
const LEVELS = Number(__ENV.XT_LEVELS || 20);
const CANCELS_PER_TAKER = Number(__ENV.XT_CANCELS_PER_TAKER || 5);
/** Slots per cycle: CANCELS_PER_TAKER cancels, as many replacement places, one taker order. */
const CYCLE = 2 * CANCELS_PER_TAKER + 1;

const accepted = new Counter('xt_commands_accepted');
const refused = new Counter('xt_commands_refused');
const cancelsOfFilled = new Counter('xt_cancels_of_filled_orders');

export const options: Options = {
  scenarios: {
    // One iteration = one cancel and its replacement.
    quotes: {
      executor: 'constant-arrival-rate',
      exec: 'cancelReplace',
      rate: Math.max(1, Math.round((RATE * CANCELS_PER_TAKER) / CYCLE)),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Number(__ENV.XT_MAKER_VUS || MAKERS),
      maxVUs: Number(__ENV.XT_MAX_MAKER_VUS || 200),
    },
    takers: {
      executor: 'constant-arrival-rate',
      exec: 'take',
      rate: Math.max(1, Math.round(RATE / CYCLE)),
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Number(__ENV.XT_TAKER_VUS || TAKERS),
      maxVUs: Number(__ENV.XT_MAX_TAKER_VUS || 200),
    },
  },
  thresholds: {
    // No failed request (a cancel's 404 for a filled quote is expected, see cancelReplace) and
    // every check passed.
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    // The seed's single-machine target for the accept (202), for quotes and taker orders.
    'http_req_duration{name:place}': ['p(99)<=20', 'p(99.9)<=50'],
    'http_req_duration{name:taker}': ['p(99)<=20', 'p(99.9)<=50'],
    dropped_iterations: ['count==0'],
  },
  discardResponseBodies: false,
};

interface Data {
  markets: PairMarket[];
  makers: K6Credentials[];
  takers: K6Credentials[];
}

export function setup(): Data {
  if (LEVELS < 1 || CANCELS_PER_TAKER < 1 || MAKERS < 1 || TAKERS < 1) throw new Error('XT_LEVELS, XT_CANCELS_PER_TAKER, XT_MAKERS and XT_TAKERS must be at least 1');
  const markets = loadPairMarkets();
  for (const m of markets) if (m.priceTicks - LEVELS < 1) throw new Error(`${m.symbol}: ${LEVELS} levels a side do not fit below the mid price`);
  return {
    markets,
    makers: Array.from({ length: MAKERS }, (_, i) => createCredentials(`k6m${i}`)),
    takers: Array.from({ length: TAKERS }, (_, i) => createCredentials(`k6t${i}`)),
  };
}

type Side = 'Buy' | 'Sell';

/** A quote this VU knows rests (its 202 named it, no cancel sent yet). */
interface Quote {
  orderId: string;
  market: number;
  side: Side;
  /** Ticks from the mid price, 1..LEVELS. */
  level: number;
}

// Per VU (each VU runs in its own JS runtime): its ladder, and each market's next taker side.
let ladder: Quote[] | undefined;
let takerSides: Side[] | undefined;

function post(c: K6Credentials, path: string, body: string, name: string, expected = http.expectedStatuses(200, 202)) {
  return http.post(`${BASE_URL}${path}`, body, { headers: { 'content-type': 'application/json', ...signedHeaders(c, 'POST', path, body) }, tags: { name }, responseCallback: expected });
}

/** Places one quote; the quote when answered 202. */
function place(data: Data, maker: K6Credentials, market: number, side: Side, level: number, name: string): Quote | undefined {
  const m = data.markets[market];
  const ticks = side === 'Buy' ? m.priceTicks - level : m.priceTicks + level;
  const res = post(maker, '/api/v1/order', JSON.stringify({ symbol: m.symbol, side, type: 'Limit', price: priceAt(m, ticks), quantity: m.quantity }), name);
  const ok = check(res, { 'quote accepted (202)': (r) => r.status === 202 && typeof r.json('order_id') === 'string' });
  (ok ? accepted : refused).add(1, { kind: name });
  return ok ? { orderId: res.json('order_id') as string, market, side, level } : undefined;
}

function makerOf(data: Data): K6Credentials {
  return data.makers[(__VU - 1) % data.makers.length];
}

export function cancelReplace(data: Data): void {
  const maker = makerOf(data);
  if (ladder === undefined) {
    ladder = [];
    for (let market = 0; market < data.markets.length; market++) {
      for (const side of ['Buy', 'Sell'] as const) {
        for (let level = 1; level <= LEVELS; level++) {
          const q = place(data, maker, market, side, level, 'seed');
          if (q) ladder.push(q);
        }
      }
    }
    return;
  }
  if (ladder.length === 0) return;
  const i = Math.floor(Math.random() * ladder.length);
  const quote = ladder[i];
  ladder[i] = ladder[ladder.length - 1];
  ladder.pop();
  const res = post(maker, '/api/v1/order/cancel', JSON.stringify({ order_id: quote.orderId }), 'cancel', http.expectedStatuses(200, 404));
  const filled = res.status === 404 && res.json('error') === 'ORDER_NOT_FOUND';
  const ok = check(res, { 'cancel applied (200), or its quote was filled (404 ORDER_NOT_FOUND)': (r) => r.status === 200 || filled });
  if (filled) cancelsOfFilled.add(1);
  (ok ? accepted : refused).add(1, { kind: 'cancel' });
  // The replacement: same market and side, one level nearer or farther.
  const level = Math.min(LEVELS, Math.max(1, quote.level + (Math.random() < 0.5 ? -1 : 1)));
  const q = place(data, maker, quote.market, quote.side, level, 'place');
  if (q) ladder.push(q);
}

/** An IOC order at the far end of the opposite ladder: it takes the best quote and never rests. */
export function take(data: Data): void {
  const taker = data.takers[(__VU - 1) % data.takers.length];
  const market = __ITER % data.markets.length;
  if (takerSides === undefined) takerSides = data.markets.map((): Side => (__VU % 2 === 0 ? 'Buy' : 'Sell'));
  // Buy and Sell alternate on each market, so the taker accounts' balances stay near flat.
  const side = takerSides[market];
  takerSides[market] = side === 'Buy' ? 'Sell' : 'Buy';
  const m = data.markets[market];
  const price = priceAt(m, side === 'Buy' ? m.priceTicks + LEVELS : m.priceTicks - LEVELS);
  const res = post(taker, '/api/v1/order', JSON.stringify({ symbol: m.symbol, side, type: 'Limit', price, quantity: m.quantity, time_in_force: 'IOC' }), 'taker');
  const ok = check(res, { 'taker order accepted (202)': (r) => r.status === 202 && typeof r.json('order_id') === 'string' });
  (ok ? accepted : refused).add(1, { kind: 'taker' });
}
