/**
 * The trading page in real Chromium against the real exchange (Redis, engines, api, realtime)
 * started by this file. Each test leaves a screenshot in artifacts/e2e/.
 *
 * Prices are chosen so the tests cannot trade with each other's orders: seeded asks sit at
 * 60,000,000 and above, seeded bids at 40,000,000 and below, and each test uses its own band.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type Stack } from '@xtrader/infra';
import { waitFor } from '@xtrader/platform';
import { PrivateEmitter } from '@xtrader/realtime';
import { launchBrowser, openPage, screenshot } from './support/browser';
import { E2E_ADMIN_TOKEN, fundUser, placeViaApi, recentTrades, startExchange } from './support/exchange';
import { DEFAULT_PASSWORD, TradingPage } from './support/page';
import { SignedClient } from './support/signed-client';

jest.setTimeout(90_000);

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startExchange(['BTC-KRW', 'ETH-KRW']), launchBrowser()]);
  // Resting liquidity on both sides, placed as a bot would.
  await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '60000000', quantity: '0.75' });
  await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '61000000', quantity: '1.2' });
  await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '40000000', quantity: '0.5' });
  await placeViaApi(stack, { symbol: 'ETH-KRW', side: 'Sell', type: 'Limit', price: '3000000', quantity: '1.5' });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 60_000);

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

/** Opens the page in a fresh browser context; the screenshot is taken even when the test fails. */
async function withPage(
  name: string,
  fn: (ui: TradingPage, page: Page) => Promise<void>,
  setup?: (context: BrowserContext) => Promise<void>,
  query = 'symbol=BTC-KRW&interval=5m',
): Promise<void> {
  // What the page itself reported and the socket frames it got, shown only when the test fails.
  const pageLog: string[] = [];
  const frames: string[] = [];
  const { context, page } = await openPage(browser, `${stack.realtimeUrls[0]}/?${query}`, setup, (p) => {
    p.on('pageerror', (e) => pageLog.push(`page error: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') pageLog.push(`console.${m.type()}: ${m.text()}`);
    });
    p.on('websocket', (ws) => {
      ws.on('framereceived', (f) => frames.push(`< ${String(f.payload).slice(0, 300)}`));
      ws.on('framesent', (f) => frames.push(`> ${String(f.payload).slice(0, 300)}`));
    });
  });
  contexts.push(context);
  const ui = new TradingPage(page, frames);
  try {
    await fn(ui, page);
  } catch (e) {
    if (pageLog.length > 0) (e as Error).message += `\n\nThe page reported:\n${pageLog.join('\n')}`;
    (e as Error).message += `\n\nLast socket frames:\n${frames.filter((f) => f.length > 3).slice(-12).join('\n')}`;
    throw e;
  } finally {
    await screenshot(page, name);
  }
}

test('the page loads the market from REST, formats KRW, and switches symbols', async () => {
  await withPage('01-loads', async (ui, page) => {
    await ui.ready();
    // The account corner fills in once the api has answered the session check; on a loaded
    // machine that answer can come late and move the page under a click aimed before it.
    await ui.signedOut();
    await ui.bookRow('ask', 60000000, 0.75).waitFor();
    await ui.bookRow('ask', 61000000, 1.2).waitFor();
    await ui.bookRow('bid', 40000000, 0.5).waitFor();
    // KRW with thousands separators, quantities at the lot's precision, spread between the sides.
    expect(await ui.bookRow('bid', 40000000).locator('.price').textContent()).toBe('40,000,000');
    expect(await ui.bookRow('ask', 61000000).locator('.num').first().textContent()).toBe('1.2000');
    expect(await page.locator('[data-testid=spread]').textContent()).toContain('20,000,000');
    // Asks above the spread, bids below.
    const askBox = await ui.bookRow('ask', 60000000).boundingBox();
    const bidBox = await ui.bookRow('bid', 40000000).boundingBox();
    expect(askBox!.y).toBeLessThan(bidBox!.y);
    // Clicking a level puts its price in the order form.
    await ui.bookRow('ask', 61000000).click();
    await page.locator('[data-testid=price-input]').and(page.locator('[value="61000000"]')).waitFor();
    expect(await page.locator('[data-testid=price-input]').inputValue()).toBe('61000000');

    await ui.selectSymbol('ETH-KRW');
    await ui.bookRow('ask', 3000000, 1.5).waitFor();
    // The old market's topics are left, the new one's joined.
    expect(ui.sent('Unsubscribe').some((m) => m.includes('"symbols":["BTC-KRW"]') && m.includes('orderbook'))).toBe(true);
    expect(ui.sent('Subscribe').some((m) => m.includes('"symbols":["ETH-KRW"]') && m.includes('orderbook'))).toBe(true);
    await ui.bookRow('ask', 60000000).waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid=order-form] [data-testid=submit-order]').textContent()).toContain('ETH');
    await ui.selectSymbol('BTC-KRW');
    await ui.bookRow('ask', 60000000, 0.75).waitFor();
  });
});

test('a limit buy and a crossing sell placed through the form reach the book, trades, chart and statistics without a reload', async () => {
  await withPage('02-trade-through-form', async (ui, page) => {
    await ui.ready();
    await ui.signUp('buyer_02');
    await fundUser(stack, 'buyer_02', DEFAULT_PASSWORD);
    await ui.funded();
    await ui.placeOrder({ side: 'Buy', price: '50000000', quantity: '0.5' });
    await ui.bookRow('bid', 50000000, 0.5).waitFor();
    await ui.myOrder('NEW').waitFor();
    expect(await page.locator('[data-testid=order-total]').textContent()).toBe('25,000,000 KRW');

    // Another account takes part of it: its sell is the taker.
    await ui.logOut();
    await page.locator('[data-testid=my-orders-signed-out]').waitFor();
    await ui.signUp('seller_02');
    await fundUser(stack, 'seller_02', DEFAULT_PASSWORD);
    await ui.funded();
    await ui.placeOrder({ side: 'Sell', price: '50000000', quantity: '0.2' });
    // The maker's remainder, the trade (taker side Sell), the open candle and the statistics.
    await ui.bookRow('bid', 50000000, 0.3).waitFor();
    await ui.tradeRow(50000000, 0.2, 'Sell').waitFor();
    await ui.chartLastClose(50000000).waitFor();
    await ui.lastPrice(50000000).waitFor();
    expect(await page.locator('[data-testid=stat-last-price]').textContent()).toBe('50,000,000');
    await page.locator('[data-testid=stat-volume]', { hasText: '0.2000' }).waitFor();
    await ui.myOrder('FILLED').waitFor();
    expect(await ui.myOrders().count()).toBe(1);
    await page.locator('[data-testid=tab-my-trades]').click();
    await page.locator('[data-testid=my-trade-row][data-side=Sell][data-price="50000000"][data-quantity="0.2"]', { hasText: 'taker' }).waitFor();
    await page.locator('[data-testid=tab-my-orders]').click();

    // Another interval loads the same trade from REST.
    await page.locator('[data-testid=interval-1m]').click();
    await page.locator('[data-testid=price-chart][data-interval="1m"][data-last-close="50000000"]').waitFor();
    // The open 1m candle moves with the next trade, pushed.
    await ui.placeOrder({ side: 'Sell', price: '49000000', quantity: '0.1' });
    await ui.tradeRow(50000000, 0.1, 'Sell').waitFor();
    // 0.2 + 0.1 in one candle, unless a minute boundary fell between the two trades.
    const [third, second] = await recentTrades(stack, 'BTC-KRW', 2);
    const minute = (t: number) => t - (t % 60_000);
    const volume = minute(second!.timestamp) === minute(third!.timestamp) ? '0.3' : '0.1';
    await page.locator(`[data-testid=price-chart][data-interval="1m"][data-last-open-time="${minute(third!.timestamp)}"][data-last-volume="${volume}"]`).waitFor();
  });
});

test('a candle pushed while the chart is still loading is not overwritten by the older REST answer', async () => {
  // The page's first klines answer is fetched at once but held back until a later trade was pushed.
  let fetched!: () => void;
  const klinesFetched = new Promise<void>((resolve) => (fetched = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const holdKlines = async (context: BrowserContext) => {
    await context.route('**/api/v1/klines/BTC-KRW/1m**', async (route) => {
      const response = await route.fetch();
      fetched();
      await released;
      await route.fulfill({ response });
    });
  };
  await withPage(
    '02b-push-beats-rest',
    async (ui, page) => {
      await ui.ready();
      await klinesFetched;
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '56000000', quantity: '0.01' });
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '56000000', quantity: '0.01' });
      await ui.chartLastClose(56000000).waitFor();
      release();
      // 'complete': the (short) REST history has been applied.
      await page.locator('[data-testid=price-chart][data-history=complete]').waitFor();
      expect(await page.locator('[data-testid=price-chart]').getAttribute('data-last-close')).toBe('56000000');
    },
    holdKlines,
    'symbol=BTC-KRW&interval=1m',
  );
});

test('cancel in "my orders" takes the order off the book', async () => {
  await withPage('03-cancel', async (ui, page) => {
    await ui.ready();
    await ui.signUp('trader_03');
    await fundUser(stack, 'trader_03', DEFAULT_PASSWORD);
    await ui.funded();
    await ui.placeOrder({ side: 'Buy', price: '45000000', quantity: '0.25' });
    await ui.bookRow('bid', 45000000, 0.25).waitFor();
    const row = ui.myOrder('NEW');
    await row.waitFor();
    await row.locator('[data-testid=cancel-order]').click();
    await ui.bookRow('bid', 45000000).waitFor({ state: 'detached' });
    await ui.myOrder('CANCELLED').waitFor();
    expect(await page.locator('[data-testid=my-order-row][data-status=CANCELLED] [data-testid=cancel-order]').count()).toBe(0);
  });
});

test('a quantity finer than the lot is refused before sending, with the reason next to the field', async () => {
  await withPage('04-bad-quantity', async (ui, page) => {
    await ui.ready();
    await ui.signUp('trader_04');
    await fundUser(stack, 'trader_04', DEFAULT_PASSWORD);
    await ui.funded();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await ui.placeOrder({ side: 'Buy', price: '45000000', quantity: '0.00005' });
    await page.locator('[data-testid=quantity-error]', { hasText: 'quantity 0.00005 is not a multiple of 0.0001' }).waitFor();
    await ui.placeOrder({ side: 'Buy', price: '45000500', quantity: '1' });
    await page.locator('[data-testid=price-error]', { hasText: 'price 45000500 is not a multiple of 1000' }).waitFor();
    expect(posts).toEqual([]);
    expect(await ui.myOrders().count()).toBe(0);
  });
});

test('signed out, the whole market shows and pressing Buy asks to log in without sending anything', async () => {
  await withPage('08-signed-out', async (ui, page) => {
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await ui.ready();
    await ui.signedOut();
    await ui.bookRow('ask', 60000000).waitFor();
    await ui.bookRow('bid', 40000000).waitFor();
    await page.locator('[data-testid=price-chart][data-history=complete]').waitFor();
    await page.locator('[data-testid=my-orders-signed-out]').waitFor();

    await ui.placeOrder({ side: 'Buy', price: '45000000', quantity: '0.1' });
    const dialog = page.locator('[data-testid=auth-dialog][data-mode=login]');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid=auth-reason]').textContent()).toContain('to place orders');
    // A wrong password is refused in words and leaves the visitor signed out.
    await dialog.locator('[data-testid=auth-username]').fill('nobody_here');
    await dialog.locator('[data-testid=auth-password]').fill('not the password');
    await dialog.locator('[data-testid=auth-submit]').click();
    await dialog.locator('[data-testid=auth-error]', { hasText: 'Wrong username or password' }).waitFor();
    await screenshot(page, '08a-login-asked');
    await dialog.locator('[data-testid=auth-close]').click();
    await ui.signedOut();
    expect(posts.filter((u) => u.includes('/api/v1/order'))).toEqual([]);
  });
});

test('my orders follow the account to a second browser; another account neither sees nor cancels them', async () => {
  await withPage('09-orders-follow-account', async (ui, page) => {
    await ui.ready();
    await ui.signUp('alice_09');
    await fundUser(stack, 'alice_09', DEFAULT_PASSWORD);
    await ui.funded();
    await ui.placeOrder({ side: 'Buy', price: '44000000', quantity: '0.3' });
    await ui.bookRow('bid', 44000000, 0.3).waitFor();
    const row = ui.myOrder('NEW');
    await row.waitFor();
    const orderId = (await row.getAttribute('data-order-id'))!;

    // The same account in another browser (its own cookies and storage) shows the same order.
    const { context, page: other } = await openPage(browser, `${stack.realtimeUrls[0]}/?symbol=BTC-KRW&interval=5m`);
    contexts.push(context);
    const second = new TradingPage(other);
    await second.ready();
    await second.logIn('alice_09');
    await second.myOrderById(orderId, 'NEW').waitFor();
    // Cancelled there, the first browser sees it too (the account's OrderUpdate, pushed).
    await second.myOrderById(orderId).locator('[data-testid=cancel-order]').click();
    await second.myOrderById(orderId, 'CANCELLED').waitFor();
    await ui.myOrderById(orderId, 'CANCELLED').waitFor();
    await screenshot(other, '09a-second-browser');

    // A second order, and another account in a third browser.
    await ui.placeOrder({ side: 'Buy', price: '43000000', quantity: '0.2' });
    const kept = ui.myOrder('NEW');
    await kept.waitFor();
    const keptId = (await kept.getAttribute('data-order-id'))!;
    const { context: bobContext, page: bobPage } = await openPage(browser, `${stack.realtimeUrls[0]}/?symbol=BTC-KRW&interval=5m`);
    contexts.push(bobContext);
    const bob = new TradingPage(bobPage);
    await bob.ready();
    await bob.signUp('bob_09');
    await fundUser(stack, 'bob_09', DEFAULT_PASSWORD);
    await bob.funded();
    await bob.bookRow('bid', 43000000, 0.2).waitFor();
    await bobPage.locator('[data-testid=my-orders] >> text=No orders yet').waitFor();
    // Bob's session asks for Alice's order and to cancel it: the answer of an unknown id.
    const answers = await bobPage.evaluate(
      async ({ api, id }) => {
        const read = await fetch(`${api}/api/v1/order/${id}`, { credentials: 'include' });
        const cancel = await fetch(`${api}/api/v1/order/cancel`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ order_id: id }),
        });
        return { read: read.status, cancel: cancel.status, code: ((await cancel.json()) as { error: string }).error };
      },
      { api: stack.apiUrls[0], id: keptId },
    );
    expect(answers).toEqual({ read: 404, cancel: 404, code: 'ORDER_NOT_FOUND' });
    await ui.bookRow('bid', 43000000, 0.2).waitFor();
    await ui.myOrderById(keptId, 'NEW').waitFor();
    expect(await bob.myOrders().count()).toBe(0);

    // Logging out in the second browser ends that session only.
    await second.logOut();
    await other.reload();
    await second.ready();
    await second.signedOut();
    await ui.signedIn('alice_09');
  });
});

test('an API key made in the panel lets a script place and cancel; revoked, the script is refused', async () => {
  await withPage(
    '10-api-keys',
    async (ui, page) => {
      await ui.ready();
      await ui.signUp('carol_10');
      await fundUser(stack, 'carol_10', DEFAULT_PASSWORD);
      await ui.funded();
      await page.locator('[data-testid=open-api-keys]').click();
      const panel = page.locator('[data-testid=api-keys-dialog]');
      await panel.locator('text=No API keys').waitFor();
      await panel.locator('[data-testid=api-key-label]').fill('grid bot');
      await panel.locator('[data-testid=api-key-scope-trade]').check();
      await panel.locator('[data-testid=api-key-create]').click();
      const created = panel.locator('[data-testid=api-key-created]');
      await created.waitFor();
      const apiKey = (await created.getAttribute('data-api-key'))!;
      const shown = (await panel.locator('[data-testid=api-key-secret]').textContent())!;
      await panel.locator('[data-testid=api-key-copy]').click();
      await panel.locator('[data-testid=api-key-copy]', { hasText: 'Copied' }).waitFor();
      const secret = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(secret).toBe(shown);
      await panel.locator(`[data-testid=api-key-row][data-api-key="${apiKey}"]`, { hasText: 'read, trade' }).waitFor();
      await screenshot(page, '10a-key-created');
      // The secret is shown once: closed and reopened, the panel lists the key without it.
      await panel.locator('[data-testid=api-keys-close]').click();
      await page.locator('[data-testid=open-api-keys]').click();
      await panel.locator(`[data-testid=api-key-row][data-api-key="${apiKey}"]`).waitFor();
      expect(await panel.locator('[data-testid=api-key-created]').count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
      await panel.locator('[data-testid=api-keys-close]').click();

      // A script with the key: place, see it in the page, cancel.
      const script = new SignedClient(stack.apiUrls[0], apiKey, secret);
      const placed = await script.request('POST', '/api/v1/order', { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '62000000', quantity: '0.4' });
      expect(placed.status).toBe(202);
      const orderId = placed.json.order_id as string;
      await ui.bookRow('ask', 62000000, 0.4).waitFor();
      await ui.myOrderById(orderId, 'NEW').waitFor();
      const listed = await script.request('GET', '/api/v1/orders?symbol=BTC-KRW&status=open');
      expect(listed.status).toBe(200);
      expect((listed.json.orders as { order_id: string }[]).map((o) => o.order_id)).toEqual([orderId]);
      const cancelled = await script.request('POST', '/api/v1/order/cancel', { order_id: orderId });
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.status).toBe('CANCELLED');
      await ui.myOrderById(orderId, 'CANCELLED').waitFor();
      await ui.bookRow('ask', 62000000).waitFor({ state: 'detached' });

      // Revoked in the panel: the script is refused (every node within a second).
      await page.locator('[data-testid=open-api-keys]').click();
      await panel.locator(`[data-testid=api-key-row][data-api-key="${apiKey}"] [data-testid=api-key-revoke]`).click();
      await panel.locator(`[data-testid=api-key-row][data-api-key="${apiKey}"]`).waitFor({ state: 'detached' });
      await waitFor('the revoked key to be refused', async () => (await script.request('GET', '/api/v1/account')).status === 401, { timeoutMs: 5_000, intervalMs: 100 });
      const refused = await script.request('POST', '/api/v1/order', { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '62000000', quantity: '0.1' });
      expect(refused).toMatchObject({ status: 401, json: { error: 'UNAUTHENTICATED' } });
    },
    (context) => context.grantPermissions(['clipboard-read', 'clipboard-write']),
  );
});

test("the account's private channels update my orders and trades at once; a skipped account_sequence reloads them from REST", async () => {
  // The ledger's own publisher, used directly to send what the exchange never would: an order it
  // never heard of, then a skipped account_sequence.
  const emitter = new PrivateEmitter(stack.redisUrl, stack.prefix);
  try {
    await withPage('11-private-channels', async (ui, page) => {
      await ui.ready();
      // Not funded: its deposits' BalanceUpdates would take the account_sequence numbers this test sends.
      await ui.signUp('dave_11');
      const accountId = await page.evaluate(async (api) => ((await (await fetch(`${api}/api/v1/account`, { credentials: 'include' })).json()) as { account_id: string }).account_id, stack.apiUrls[0]);
      // An order and a trade the api has never heard of: shown, they can only have come by push.
      const now = Date.now();
      const order = {
        order_id: 'a7d0c1e2-0000-4000-8000-000000000011',
        symbol: 'BTC-KRW',
        side: 'Buy' as const,
        type: 'Limit' as const,
        time_in_force: 'GTC' as const,
        price: 39000000,
        quantity: 0.5,
        filled_quantity: 0.2,
        remaining_quantity: 0.3,
        average_price: 39000000,
        status: 'PARTIALLY_FILLED' as const,
        created_at: now,
        updated_at: now,
        sequence: 7,
      };
      const fill = { exec_id: 'x-11', order_id: order.order_id, symbol: 'BTC-KRW', side: 'Buy' as const, price: 39000000, quantity: 0.2, fee: 0, fee_asset: 'KRW', liquidity: 'maker' as const, timestamp: now };
      // The page follows its channels once the connection is authenticated (here by the login's token).
      await waitFor('the page to follow its account channels', async () => {
        emitter.emit(accountId, [{ type: 'OrderUpdate', order, account_sequence: 1 }]);
        return (await ui.myOrderById(order.order_id, 'PARTIALLY_FILLED').count()) === 1;
      }, { timeoutMs: 10_000, intervalMs: 250 });
      emitter.emit(accountId, [{ type: 'Fill', ...fill, account_sequence: 2 }]);
      await page.locator('[data-testid=tab-my-trades]').click();
      await page.locator(`[data-testid=my-trade-row][data-order-id="${order.order_id}"][data-quantity="0.2"]`).waitFor();
      await page.locator('[data-testid=tab-my-orders]').click();

      // A skipped number: a message was missed, so the page reads its orders again.
      const resync = page.waitForRequest(/\/api\/v1\/orders/);
      emitter.emit(accountId, [{ type: 'OrderUpdate', order: { ...order, filled_quantity: 0.5, remaining_quantity: 0, status: 'FILLED', sequence: 9 }, account_sequence: 4 }]);
      await resync;
      await ui.myOrderById(order.order_id, 'FILLED').waitFor();
    });
  } finally {
    await emitter.close();
  }
});

test('with the realtime node stopped the page keeps updating by REST polling, and returns to push when it is back', async () => {
  await withPage('05-polling-fallback', async (ui, page) => {
    await ui.ready();
    const realtime = stack.process('realtime-1');
    await realtime.kill();
    await ui.connection('polling');
    await page.locator('[data-testid=connection-status]', { hasText: 'Polling' }).waitFor();

    // A bot's orders reach the page through polling alone: a new bid, then a trade at 60,000,000.
    await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '41000000', quantity: '0.1' });
    await ui.bookRow('bid', 41000000, 0.1).waitFor();
    await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '60000000', quantity: '0.05' });
    await ui.tradeRow(60000000, 0.05, 'Buy').waitFor();
    await ui.bookRow('ask', 60000000, 0.7).waitFor();
    await ui.lastPrice(60000000).waitFor();
    await screenshot(page, '05a-polling');

    await realtime.restart();
    await ui.connection('live');
    // Back on push: with REST reads of the book made impossible, the next change still arrives.
    await page.route('**/api/v1/orderbook/**', (route) => route.abort());
    await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '42000000', quantity: '0.1' });
    await ui.bookRow('bid', 42000000, 0.1).waitFor();
    await ui.connection('live');
    await page.unroute('**/api/v1/orderbook/**');
  });
});

test('a missed execution (sequence gap) makes the page reload the trades from REST', async () => {
  // Between the page and the realtime node, a relay that can lose the next Execution frame.
  let dropNextExecution = false;
  const relay = async (context: BrowserContext) => {
    await context.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (dropNextExecution && typeof m === 'string' && m.startsWith('42["Execution"')) {
          dropNextExecution = false;
          return;
        }
        ws.send(m);
      });
    });
  };
  await withPage(
    '06-gap-resync',
    async (ui, page) => {
      await ui.ready();
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '59000000', quantity: '0.06' });
      await ui.bookRow('ask', 59000000, 0.06).waitFor();
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '59000000', quantity: '0.01' });
      await ui.tradeRow(59000000, 0.01).waitFor();

      dropNextExecution = true;
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '59000000', quantity: '0.02' });
      await ui.bookRow('ask', 59000000, 0.03).waitFor(); // the book moved on, the trade was lost
      expect(dropNextExecution).toBe(false);
      expect(await ui.tradeRow(59000000, 0.02).count()).toBe(0);

      const resync = page.waitForRequest((r) => r.url().includes('/api/v1/trades/BTC-KRW'));
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '59000000', quantity: '0.03' });
      await resync;
      await ui.tradeRow(59000000, 0.03).waitFor();
      await ui.tradeRow(59000000, 0.02).waitFor();
      await ui.bookRow('ask', 59000000).waitFor({ state: 'detached' });
    },
    relay,
  );
});

test('a new 1m candle opens at the minute boundary without a reload, and older candles load page by page', async () => {
  await withPage(
    '07-candle-boundary-and-history',
    async (ui, page) => {
      await ui.ready();
      // A trade of its own, so the 1m series has an open candle whatever ran before.
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '58000000', quantity: '0.01' });
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '58000000', quantity: '0.01' });
      await ui.tradeRow(58000000, 0.01).waitFor();
      const chart = page.locator('[data-testid=price-chart][data-last-open-time]');
      await chart.waitFor();
      const openTime = Number(await chart.getAttribute('data-last-open-time'));
      const bars = Number(await chart.getAttribute('data-bars'));
      // The next minute opens a new candle, pushed: by the engine's clock tick (when it runs) or by
      // the first trade after the boundary. Time passing has no event, so it is polled.
      const boundary = openTime + 60_000;
      await waitFor('the next minute', () => Date.now() >= boundary + 50, { timeoutMs: 75_000, intervalMs: 200 });
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: '57000000', quantity: '0.01' });
      await placeViaApi(stack, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '57000000', quantity: '0.01' });
      await page.locator(`[data-testid=price-chart][data-last-open-time="${boundary}"][data-last-close="57000000"]`).waitFor();
      expect(Number(await chart.getAttribute('data-bars'))).toBeGreaterThan(bars);

      // One candle per history request: the rest arrive as the chart's left edge comes into view.
      const requests: string[] = [];
      const { context, page: second } = await openPage(browser, `${stack.realtimeUrls[0]}/?symbol=BTC-KRW&interval=1m&candles=1`, async (c) => {
        c.on('request', (r) => {
          if (r.url().includes('/api/v1/klines/BTC-KRW/1m')) requests.push(r.url());
        });
      });
      contexts.push(context);
      const secondChart = second.locator('[data-testid=price-chart][data-history=complete]');
      await secondChart.waitFor();
      const paged = Number(await secondChart.getAttribute('data-bars'));
      expect(paged).toBeGreaterThanOrEqual(bars + 1);
      expect(paged).toBe(Number(await chart.getAttribute('data-bars')));
      expect(requests.filter((u) => u.includes('end=')).length).toBeGreaterThanOrEqual(paged - 1);
      await screenshot(second, '07a-history-pages');
    },
    undefined,
    'symbol=BTC-KRW&interval=1m',
  );
}, 150_000);

test('balances: the faucet funds the account and the panel follows by push; the form shows what is available, fills the max and refuses an order the account cannot fund before sending it', async () => {
  await withPage('12-balances', async (ui, page) => {
    await ui.ready();
    await ui.signUp('erin_12');
    await ui.balance('KRW', 0, 0).waitFor();
    await page.locator('[data-testid=available][data-asset=KRW][data-value="0"]').waitFor();

    // The demo faucet (on in this exchange): its deposits arrive as BalanceUpdates.
    await page.locator('[data-testid=faucet]').click();
    await ui.balance('KRW', 100000000, 0).waitFor();
    await ui.balance('BTC', 1, 0).waitFor();
    await page.locator('[data-testid=available][data-asset=KRW][data-value="100000000"]').waitFor();
    expect(await page.locator('[data-testid=available]').textContent()).toBe('100,000,000 KRW');
    // Once an hour: the API's answer is shown.
    await page.locator('[data-testid=faucet]').click();
    await page.locator('[data-testid=faucet-message]', { hasText: 'already used this hour' }).waitFor();

    // 10 BTC at 50,000,000 KRW needs 500,000,000 KRW: refused in the form, nothing sent.
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/v1/order')) sent.push(r.url());
    });
    await ui.placeOrder({ side: 'Buy', price: '50000000', quantity: '10' });
    await page.locator('[data-testid=form-error]', { hasText: 'Insufficient funds: this order needs' }).waitFor();
    expect(await page.locator('[data-testid=form-error]').textContent()).toContain('available 100,000,000 KRW');
    // A sell of more BTC than the account has, likewise.
    await ui.placeOrder({ side: 'Sell', price: '90000000', quantity: '1.5' });
    await page.locator('[data-testid=form-error]', { hasText: 'needs 1.5 BTC' }).waitFor();
    expect(sent).toEqual([]);

    // Max fills the largest quantity the account can fund: all of its BTC on the Sell side...
    await page.locator('[data-testid=max-quantity]').click();
    expect(await page.locator('[data-testid=quantity-input]').inputValue()).toBe('1');
    // ...and on the Buy side what 100,000,000 KRW buys at 50,000,000 with the fee (< 2 BTC).
    await page.locator('[data-testid=side-buy]').click();
    await page.locator('[data-testid=price-input]').fill('50000000');
    await page.locator('[data-testid=max-quantity]').click();
    const max = Number(await page.locator('[data-testid=quantity-input]').inputValue());
    expect(max).toBeGreaterThan(1.99);
    expect(max).toBeLessThan(2);
    expect(sent).toEqual([]);

    // An operator's withdrawal reaches the panel by push too.
    const accountId = await page.evaluate(async (api) => ((await (await fetch(`${api}/api/v1/account`, { credentials: 'include' })).json()) as { account_id: string }).account_id, stack.apiUrls[0]);
    const res = await fetch(`${stack.apiUrls[0]}/api/v1/admin/withdrawals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${E2E_ADMIN_TOKEN}` },
      body: JSON.stringify({ account_id: accountId, asset: 'KRW', amount: '25000000.5', tx_id: `e2e-wd-${accountId}` }),
    });
    expect(res.status).toBe(200);
    await ui.balance('KRW', 74999999.5, 0).waitFor();
  });
});
