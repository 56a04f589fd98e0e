/**
 * The failover drill: the stack on a real Redis Cluster with XT_DURABILITY=replica, a steady flow
 * of crossing pairs on BTC-KRW (a Sell, then a Buy at its price, from two accounts), and the
 * primary serving BTC-KRW's slot killed with SIGKILL. Its replica takes over; afterwards every
 * order answered 202 exists and traded, no trade id names two different trades, the book and
 * both accounts' balances are what the answered orders imply (each pair one trade at its price,
 * the fees of the listed rates), and the engine's commits waited for a replica.
 * `FAILOVER_DURABILITY=primary` runs the same drill without the option (to measure what it loses).
 */
import { randomBytes } from 'node:crypto';
import { waitFor } from '@xtrader/platform';
import { symbolKeys } from '@xtrader/protocol';
import { ApiClient } from '../src/api-client';
import type { AccountResponse, MyTradesResponse, OrderBookResponse } from '@xtrader/protocol';
import { startStack, type Stack } from '../src/stack';
import { FeedClient, getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

const SYMBOL = 'BTC-KRW';
const QUANTITY = '0.001';
const DURABILITY = process.env.FAILOVER_DURABILITY === 'primary' ? 'primary' : 'replica';
let stack: Stack;
let trader: ApiClient;
/** The Buy side (an account does not trade with itself). */
let buyer: ApiClient;

beforeAll(async () => {
  stack = await startStack({
    redisCluster: true,
    apis: 1,
    realtimes: 1,
    symbols: [SYMBOL],
    prefix: `t-${randomBytes(4).toString('hex')}`,
    env: { LOG_LEVEL: 'warn', XT_DURABILITY: DURABILITY, XT_DURABILITY_TIMEOUT_MS: '1000', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
  trader = await ApiClient.withNewAccount(stack.apiUrls[0], 'drill', undefined, { adminToken: TEST_ADMIN_TOKEN });
  buyer = await ApiClient.withNewAccount(stack.apiUrls[0], 'drill', undefined, { adminToken: TEST_ADMIN_TOKEN });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** The account's balances by asset, as GET /account shows them. */
async function balances(client: ApiClient): Promise<Map<string, { available: number; locked: number }>> {
  const { balances: list = [] } = await client.request<AccountResponse>('GET', '/api/v1/account');
  return new Map(list.map((b) => [b.asset, { available: b.available, locked: b.locked }]));
}

/** A decimal text as a fraction: "0.0005" -> [5n, 10000n]. */
function fraction(text: string): [bigint, bigint] {
  const [whole, frac = ''] = text.split('.');
  return [BigInt(whole + frac), 10n ** BigInt(frac.length)];
}

/** `notional` fee units times a rate, rounded up (fees are charged rounded up to the fee unit). */
function feeUnits(notional: bigint, rate: string): bigint {
  const [num, den] = fraction(rate);
  return (notional * num + den - 1n) / den;
}

/** The sum of an Prometheus counter's samples whose labels include every one of `labels`. */
function counterSum(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

it(`with XT_DURABILITY=${DURABILITY}: kill -9 of the symbol's primary loses no order answered 202, reuses no trade id, and leaves the book and balances the answered orders imply`, async () => {
  const cluster = stack.redisCluster!;
  const started = Date.now();
  const market = (await trader.symbols()).symbols.find((m) => m.symbol === SYMBOL)!;
  const before = { seller: await balances(trader), buyer: await balances(buyer) };
  const accepted: string[] = [];
  const ownerOf = new Map<string, ApiClient>();
  /** The answered pairs, in order: the price and both orders' ids. */
  const pairs: { price: number; sell: string; buy: string }[] = [];
  const refusals: string[] = [];
  let running = true;
  let nextPrice = 70_000_000;
  const run = randomBytes(3).toString('hex');
  const feed = await FeedClient.connect(`${stack.realtimeUrls[0].replace('http', 'ws')}/ws`);
  await feed.subscribe(['executions'], [SYMBOL]);
  // Crossing pairs, each order retried with its client_order_id until an answer says 202 (a
  // refusal while the primary is down is retried: the bot learns every order the exchange took).
  // A pair is always finished, so that every Sell has its Buy.
  const flow = (async () => {
    for (let pair = 0; running; pair++) {
      const price = (nextPrice += 1000);
      const ids: string[] = [];
      for (const side of ['Sell', 'Buy'] as const) {
        const order = { symbol: SYMBOL, side, type: 'Limit', price: String(price), quantity: QUANTITY, client_order_id: `drill-${run}-${pair}-${side}` } as const;
        for (;;) {
          try {
            const client = side === 'Sell' ? trader : buyer;
            const { order_id } = await placeOrder(client, order);
            accepted.push(order_id);
            ownerOf.set(order_id, client);
            ids.push(order_id);
            break;
          } catch (e) {
            refusals.push((e as Error).message);
            await new Promise((r) => setTimeout(r, 50)); // a bot's back-off before its retry
          }
        }
      }
      pairs.push({ price, sell: ids[0]!, buy: ids[1]! });
    }
  })();
  const moreAccepted = async (n: number, what: string) => {
    const target = accepted.length + n;
    await waitFor(`${n} orders accepted ${what}`, () => accepted.length >= target, { timeoutMs: 60_000 });
  };

  let killedPort = 0;
  let acceptedAtKill = 0;
  let failoverMs = 0;
  try {
    await moreAccepted(20, 'before the kill');
    const probe = cluster.client();
    const slot = Number(await probe.cluster('KEYSLOT', symbolKeys(SYMBOL, stack.prefix).commands));
    probe.disconnect();
    const primary = (await cluster.nodes()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))!;
    killedPort = primary.port;
    acceptedAtKill = accepted.length;
    const killedAt = Date.now();
    await cluster.server(primary.port).kill();
    await cluster.waitHealthy();
    failoverMs = Date.now() - killedAt;
    // The promoted replica has no replica of its own: with XT_DURABILITY=replica its symbols'
    // places are refused until one is back. The killed node restarts and rejoins as its replica.
    await cluster.server(primary.port).start();
    await cluster.waitHealthy();
    await moreAccepted(20, 'after the failover');
  } finally {
    running = false;
    await flow;
  }
  expect((await cluster.primaryPorts()).includes(killedPort)).toBe(false);

  // Every order answered 202 is there and traded (a pair's Sell rests until its Buy takes it).
  const states = new Map<string, string>();
  await waitFor(
    'every accepted order to be filled',
    async () => {
      for (const id of accepted.filter((i) => states.get(i) !== 'FILLED')) states.set(id, (await getOrder(ownerOf.get(id)!, id))?.status ?? 'MISSING');
      return accepted.every((id) => states.get(id) === 'FILLED');
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  ).catch(() => undefined); // the expectations below name what is missing or stuck
  const lost = accepted.filter((id) => states.get(id) === 'MISSING');
  const figures = () => {
    const kinds = [...new Set(refusals.map((r) => r.slice(0, 60)))];
    return `failover drill (XT_DURABILITY=${DURABILITY}): ${accepted.length} orders answered 202 (${acceptedAtKill} before the kill), ${lost.length} of them lost, ${refusals.length} refusals retried (${kinds.join(' | ')}), failover ${failoverMs} ms, ${Math.round((Date.now() - started) / 1000)} s`;
  };
  process.stdout.write(`${figures()}\n`);
  expect(lost).toEqual([]);
  expect(accepted.filter((id) => states.get(id) !== 'FILLED').map((id) => `${id}: ${states.get(id)}`)).toEqual([]);

  // No trade id names two different trades (a replayed trade may be pushed again, identically).
  const trades = new Map<string, string>();
  const reused: string[] = [];
  for (const m of feed.messages.filter((x) => x.type === 'Execution')) {
    const what = `${m.order_id}/${m.maker_order_id}/${m.price}/${m.quantity}`;
    const seen = trades.get(m.exec_id as string);
    if (seen !== undefined && seen !== what) reused.push(`${m.exec_id}: ${seen} then ${what}`);
    trades.set(m.exec_id as string, what);
  }
  expect(reused).toEqual([]);
  expect(trades.size).toBeGreaterThan(0);
  feed.close();

  // The account's own record: one trade per pair, at its price, each with an id of its own.
  for (const [client, liquidity, side] of [[trader, 'maker', 'sell'], [buyer, 'taker', 'buy']] as const) {
    const { trades: mine } = await client.request<MyTradesResponse>('GET', `/api/v1/my-trades?symbol=${SYMBOL}&limit=1000`);
    const byOrder = new Map(pairs.map((p) => [side === 'sell' ? p.sell : p.buy, p.price]));
    expect(new Set(mine.map((t) => t.exec_id)).size).toBe(mine.length);
    expect(mine.map((t) => [t.order_id, t.price, t.quantity, t.liquidity]).sort()).toEqual([...byOrder].map(([id, price]) => [id, price, Number(QUANTITY), liquidity]).sort());
  }

  // The book is empty (every pair traded), and the balances moved by exactly the pairs' trades.
  const { orderbook } = await trader.request<OrderBookResponse>('GET', `/api/v1/orderbook/${SYMBOL}`);
  expect({ bids: orderbook.bids, asks: orderbook.asks }).toEqual({ bids: [], asks: [] });
  // Notionals and fees in fee units (10^-fee_decimals of the quote): price x quantity, exactly.
  const unit = 10n ** BigInt(market.fee_decimals);
  const [qNum, qDen] = fraction(QUANTITY);
  let sellerQuote = 0n;
  let buyerQuote = 0n;
  for (const p of pairs) {
    const notional = (BigInt(p.price) * qNum * unit) / qDen;
    sellerQuote += notional - feeUnits(notional, market.maker_fee_rate);
    buyerQuote -= notional + feeUnits(notional, market.taker_fee_rate);
  }
  const base = Number(QUANTITY) * pairs.length;
  const after = { seller: await balances(trader), buyer: await balances(buyer) };
  const moved = (who: 'seller' | 'buyer', asset: string) => ({
    available: after[who].get(asset)!.available - before[who].get(asset)!.available,
    locked: after[who].get(asset)!.locked,
  });
  const close = (x: number, digits: number) => Number(x.toFixed(digits));
  const seen = {
    seller: { base: close(moved('seller', market.base).available, 8), quote: close(moved('seller', market.quote).available, market.fee_decimals) },
    buyer: { base: close(moved('buyer', market.base).available, 8), quote: close(moved('buyer', market.quote).available, market.fee_decimals) },
    locked: [moved('seller', market.base).locked, moved('seller', market.quote).locked, moved('buyer', market.base).locked, moved('buyer', market.quote).locked],
  };
  expect(seen).toEqual({
    seller: { base: close(-base, 8), quote: close(Number(sellerQuote) / Number(unit), market.fee_decimals) },
    buyer: { base: close(base, 8), quote: close(Number(buyerQuote) / Number(unit), market.fee_decimals) },
    locked: [0, 0, 0, 0],
  });

  if (DURABILITY === 'replica') {
    // The engine's commits waited for a replica before their outcomes went out (its metrics).
    const engine = await stack.activeEngine(SYMBOL);
    const metrics = await (await fetch(engine!.metricsUrl!)).text();
    expect(counterSum(metrics, 'xt_engine_replica_waits_total', { symbol: SYMBOL, result: 'replicated' })).toBeGreaterThan(0);
    process.stdout.write(
      `failover drill: engine commits waited for a replica: ${counterSum(metrics, 'xt_engine_replica_waits_total', { symbol: SYMBOL, result: 'replicated' })} confirmed, ${counterSum(metrics, 'xt_engine_replica_waits_total', { symbol: SYMBOL, result: 'short' })} short\n`,
    );
  }
}, 240_000);
