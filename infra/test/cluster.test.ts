/**
 * The multi-instance topology of `npm run cluster`, for real: nginx in front of two api and two
 * realtime nodes, an active engine and a standby, one Redis. Proves that an order placed through
 * the balancer on one api node reaches subscribers on every realtime node, that killing any one
 * api, realtime or engine process loses no accepted order, and that the trading page in a real
 * browser keeps showing trades while its realtime nodes are killed one after the other.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ApiClient } from '../src/api-client';
import { startStack, type Stack } from '../src/stack';
import { REPO_ROOT } from '../src/paths';
import { waitFor } from '@xtrader/platform';
import { FeedClient, getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

const SYMBOL = 'BTC-KRW';
let stack: Stack;
let base: string;
/** Sells and buys come from two accounts: one account's orders never trade with each other. */
let seller: ApiClient;
let buyer: ApiClient;
const traderFor = (side: 'Buy' | 'Sell' | undefined) => (side === 'Sell' ? seller : buyer);
let wsUrl: string;
let nextPrice = 60_000_000;
/** A price no other test in this file uses, so each test sees only its own trades. */
const freshPrice = () => (nextPrice += 1000);

/** A Sell then a Buy at the same price: exactly one trade, the Buy is the taker. */
async function crossingPair(price = freshPrice()) {
  const sell = await placeOrder(seller, { symbol: SYMBOL, side: 'Sell', type: 'Limit', price, quantity: '0.001' });
  const buy = await placeOrder(buyer, { symbol: SYMBOL, side: 'Buy', type: 'Limit', price, quantity: '0.001' });
  return { sell, buy, price };
}

beforeAll(async () => {
  stack = await startStack({
    apis: 2,
    realtimes: 2,
    enginesPerSymbol: 2,
    nginx: true,
    symbols: [SYMBOL],
    prefix: `t-${randomBytes(4).toString('hex')}`,
    // A short lease so the standby takes over a killed engine within about a second.
    env: { ENGINE_LEASE_MS: '1500', LOG_LEVEL: 'warn', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
  base = stack.nginxUrl!;
  [seller, buyer] = await Promise.all([
    ApiClient.withNewAccount(base, 'cluster_sell', undefined, { adminToken: TEST_ADMIN_TOKEN }),
    ApiClient.withNewAccount(base, 'cluster_buy', undefined, { adminToken: TEST_ADMIN_TOKEN }),
  ]);
  wsUrl = `${base.replace('http', 'ws')}/ws`;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const hostOf = (url: string) => new URL(url).host;

it('routes orders round robin over the api nodes and pushes their Execution to subscribers on every realtime node', async () => {
  // Connect through nginx until one client sits on each realtime node.
  const clients: FeedClient[] = [];
  while (new Set(clients.map((c) => c.upstream)).size < 2 && clients.length < 6) clients.push(await FeedClient.connect(wsUrl));
  const onNode = stack.realtimeUrls.map((u) => clients.find((c) => c.upstream === hostOf(u))!);
  expect(onNode.every(Boolean)).toBe(true);
  await Promise.all(onNode.map((c) => c.subscribe(['executions'], [SYMBOL])));

  const { sell, buy, price } = await crossingPair();
  expect(new Set([sell.upstream, buy.upstream])).toEqual(new Set(stack.apiUrls.map(hostOf)));

  for (const client of onNode) {
    const exec = await client.execution(buy.order_id);
    expect(exec).toMatchObject({ symbol: SYMBOL, side: 'Buy', price, quantity: 0.001, maker_order_id: sell.order_id });
  }
  clients.forEach((c) => c.close());
}, 60_000);

it('loses no accepted order while an api node, the active engine and a realtime node are killed in turn', async () => {
  const accepted: string[] = [];
  const sideOf = new Map<string, 'Buy' | 'Sell'>();
  const failures: string[] = [];
  let running = true;
  const run = randomBytes(3).toString('hex');
  // A steady trickle of crossing pairs through nginx, sent as a careful bot sends them: an order
  // whose answer is lost (its api node died after appending it) is retried with the same
  // client_order_id, so the bot learns the order_id of everything the exchange took.
  const flow = (async () => {
    for (let pair = 0; running; pair++) {
      const price = freshPrice();
      for (const side of ['Sell', 'Buy'] as const) {
        const order = { symbol: SYMBOL, side, type: 'Limit', price, quantity: '0.001', client_order_id: `drill-${run}-${pair}-${side}` } as const;
        for (let attempt = 1; ; attempt++) {
          try {
            const { order_id } = await placeOrder(traderFor(side), order);
            accepted.push(order_id);
            sideOf.set(order_id, side);
            break;
          } catch (e) {
            if (attempt < 5) continue;
            failures.push((e as Error).message);
            break;
          }
        }
      }
    }
  })();
  const moreAccepted = async (n: number, what: string) => {
    const target = accepted.length + n;
    await waitFor(`${n} orders accepted ${what}`, () => accepted.length >= target, { timeoutMs: 30_000 });
  };
  const subscriber = await FeedClient.connect(wsUrl);
  await subscriber.subscribe(['executions'], [SYMBOL]);

  try {
    await moreAccepted(10, 'before any kill');

    const api = stack.process('api-1');
    await api.kill('SIGKILL');
    await moreAccepted(20, 'with api-1 dead');
    await api.restart();

    const active = (await stack.activeEngine(SYMBOL))!;
    expect(active).toBeDefined();
    await active.kill('SIGKILL');
    await waitFor('the standby engine to take the lease', async () => {
      const now = await stack.activeEngine(SYMBOL);
      return !!now && now !== active;
    });
    await moreAccepted(20, 'after the engine failover');
    await active.restart();

    const realtime = stack.process('realtime-1');
    await realtime.kill('SIGKILL');
    await moreAccepted(20, 'with realtime-1 dead');
    // Pushes keep flowing to a client that (re)connects through nginx while a node is down.
    const late = await FeedClient.connect(wsUrl);
    await late.subscribe(['executions'], [SYMBOL]);
    await late.next((m) => m.type === 'Execution' && sideOf.has(m.order_id as string), 'an Execution of the flow');
    late.close();
    await realtime.restart();
  } finally {
    running = false;
    await flow;
    subscriber.close();
  }

  // Every accepted order was processed by an engine: none lost, none stuck as ACCEPTED.
  const states = new Map<string, string>();
  await waitFor(
    'every accepted order to be processed',
    async () => {
      const pending = accepted.filter((id) => states.get(id) === undefined || states.get(id) === 'ACCEPTED');
      for (const id of pending) states.set(id, (await getOrder(traderFor(sideOf.get(id)), id))?.status ?? 'MISSING');
      return accepted.every((id) => states.get(id) !== 'ACCEPTED');
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  const lost = accepted.filter((id) => states.get(id) === 'MISSING');
  expect(lost).toEqual([]);
  // Pairs trade; an order whose partner was refused during a kill may rest, nothing else.
  const unexpected = accepted.filter((id) => !['FILLED', 'NEW'].includes(states.get(id)!));
  expect(unexpected).toEqual([]);
  // Every trade fills one Sell and one Buy of the same size: none applied twice or half.
  const filled = accepted.filter((id) => states.get(id) === 'FILLED');
  const filledOf = (side: string) => filled.filter((id) => sideOf.get(id) === side).length;
  // (The refusals ride along so that a failure shows them.)
  expect({ sells: filledOf('Sell'), failures }).toEqual({ sells: filledOf('Buy'), failures });
  // An order rests only when its partner was refused on every attempt while a process was dying.
  expect(accepted.length - filled.length).toBeLessThanOrEqual(failures.length);
  // Leave an empty book: a resting leftover would take the next test's crossing orders.
  for (const id of accepted.filter((i) => states.get(i) === 'NEW')) {
    await traderFor(sideOf.get(id)).cancelOrder(id);
  }
}, 180_000);

it('keeps the trading page live through nginx while each realtime node is killed in turn', async () => {
  // `npm test` builds the page and bootstrap installs chromium; say so if run on its own.
  if (!existsSync(join(REPO_ROOT, 'web/dist/index.html'))) throw new Error('the web page is not built: run npm run build:web');
  if (!existsSync('/usr/bin/chromium')) throw new Error('chromium is missing: apt-get install -y --no-install-recommends chromium');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage();
    await page.goto(`${base}/?symbol=${SYMBOL}`);
    await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ timeout: 30_000 });

    const seesTrade = async (price: number) => {
      try {
        await page.locator(`[data-testid="trade-row"][data-price="${price}"]`).first().waitFor({ timeout: 30_000 });
      } catch (e) {
        const state = await page.locator('[data-testid="connection-status"]').getAttribute('data-state');
        const prices = await page.locator('[data-testid="trade-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-price')));
        throw new Error(`the page never showed the trade at ${price} (connection ${state}, trades shown: ${prices.join(', ')})`, { cause: e });
      }
    };
    const first = await crossingPair();
    await seesTrade(first.price);

    for (const name of ['realtime-1', 'realtime-2']) {
      const node = stack.process(name);
      await node.kill('SIGKILL');
      const during = await crossingPair();
      await seesTrade(during.price);
      await node.restart();
      // Back on push (the page reconnects through nginx to whichever node is up).
      await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ timeout: 30_000 });
    }
    const after = await crossingPair();
    await seesTrade(after.price);
  } finally {
    await browser?.close();
  }
}, 180_000);
