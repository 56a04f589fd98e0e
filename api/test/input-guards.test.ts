/**
 * What an api node reads as an order and who may call it from a browser: only `application/json`
 * bodies are orders (on the accept fast path and the Express route alike), CORS answers only the
 * configured origins, so a foreign page open in a visitor's real browser cannot place or cancel,
 * and error replies never echo large client input.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../test/e2e/support/browser';
import { signedHeaders } from '@xtrader/protocol/node';
import { commandLengths, http, signedHttp, startStack, type Stack } from './helpers';

let stack: Stack;
let pages: Server;
/** The same page server under two origins: `foreign` is not on the allow-list, `allowed` is. */
let foreign: string;
let allowed: string;
let browser: Browser;

beforeAll(async () => {
  pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>some page</title>'));
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', () => resolve()));
  const { port } = pages.address() as AddressInfo;
  foreign = `http://127.0.0.1:${port}`;
  allowed = `http://localhost:${port}`;
  [stack, browser] = await Promise.all([startStack({ engines: false, auth: { allowedOrigins: [allowed] } }), launchBrowser()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((r) => pages?.close(r));
});

const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '50000000', quantity: '0.01' };
const sign = (method: string, target: string, body: string) => signedHeaders(stack.account.apiKey, stack.account.apiSecret, method, target, body);

describe('content types', () => {
  test.each(['/api/v1/order', '/api/v1/order/'])('%s: only application/json bodies are orders (415 otherwise, nothing appended)', async (path) => {
    const before = await commandLengths(stack);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const res = await fetch(`${stack.api.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...sign('POST', path, JSON.stringify(order)) }, body: JSON.stringify(order) });
      expect({ type, status: res.status, body: await res.json() }).toEqual({ type, status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/json') } });
    }
    const none = await fetch(`${stack.api.url}${path}`, { method: 'POST', headers: sign('POST', path, JSON.stringify(order)), body: new Blob([JSON.stringify(order)]) });
    expect(none.status).toBe(415);
    for (const type of ['application/json', 'Application/JSON; charset=utf-8']) {
      const res = await fetch(`${stack.api.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...sign('POST', path, JSON.stringify(order)) }, body: JSON.stringify(order) });
      expect({ type, status: res.status }).toEqual({ type, status: 202 });
    }
    const after = await commandLengths(stack);
    expect(after['BTC-KRW']).toBe(before['BTC-KRW'] + 2);
  });

  test('a cancel must be JSON too', async () => {
    const body = JSON.stringify({ order_id: 'x' });
    const res = await fetch(`${stack.api.url}/api/v1/order/cancel`, { method: 'POST', headers: { 'content-type': 'text/plain', ...sign('POST', '/api/v1/order/cancel', body) }, body });
    expect(res.status).toBe(415);
  });
});

describe('a page in a real browser', () => {
  /** Runs the page's attempts to place and cancel through the api; returns what the page could see. */
  async function attempt(origin: string, orderId: string) {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      const body = JSON.stringify(order);
      // Signed as a bot's script in the page would sign: the credentials do not open the door for a foreign origin.
      const placeAuth = sign('POST', '/api/v1/order', body);
      const cancelAuth = sign('DELETE', `/api/v1/order/${orderId}`, '');
      return await page.evaluate(
        async ({ api, body, orderId, placeAuth, cancelAuth }) => {
          const tryFetch = async (url: string, init: RequestInit) => {
            try {
              const res = await fetch(url, init);
              return res.type === 'opaque' ? 'opaque' : res.status;
            } catch {
              return 'blocked';
            }
          };
          return {
            textPlain: await tryFetch(`${api}/api/v1/order`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }),
            form: await tryFetch(`${api}/api/v1/order`, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ json: body }) }),
            json: await tryFetch(`${api}/api/v1/order`, { method: 'POST', headers: { 'content-type': 'application/json', ...placeAuth }, body }),
            cancel: await tryFetch(`${api}/api/v1/order/${orderId}`, { method: 'DELETE', headers: cancelAuth }),
          };
        },
        { api: stack.api.url, body, orderId, placeAuth, cancelAuth },
      );
    } finally {
      await page.close();
    }
  }

  test('a foreign page cannot place or cancel through a visitor\'s browser', async () => {
    const resting = await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order);
    expect(resting.status).toBe(202);
    const before = await commandLengths(stack);
    const seen = await attempt(foreign, resting.body.order_id);
    expect(seen).toEqual({ textPlain: 'opaque', form: 'opaque', json: 'blocked', cancel: 'blocked' });
    // Nothing reached the command streams: no order placed, no cancel queued.
    expect(await commandLengths(stack)).toEqual(before);
  }, 30_000);

  test('a page from a configured origin can place (and read the answer)', async () => {
    const before = await commandLengths(stack);
    const seen = await attempt(allowed, 'no-such-order');
    expect(seen.json).toBe(202);
    expect(seen.cancel).toBe(404);
    const after = await commandLengths(stack);
    expect(after['BTC-KRW']).toBe(before['BTC-KRW'] + 1);
  }, 30_000);
});

test('error replies never echo large client input', async () => {
  const huge = 'A'.repeat(10_000);
  const base = stack.api.url;
  const replies = [
    await signedHttp(stack.account, 'POST', `${base}/api/v1/order`, { ...order, symbol: huge }),
    await signedHttp(stack.account, 'POST', `${base}/api/v1/order/`, { ...order, symbol: huge }),
    await signedHttp(stack.account, 'POST', `${base}/api/v1/order`, { ...order, [huge]: 1 }),
    await signedHttp(stack.account, 'POST', `${base}/api/v1/order`, { ...order, ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field_${i}`, i])) }),
    await signedHttp(stack.account, 'GET', `${base}/api/v1/orderbook/${huge}`),
    await signedHttp(stack.account, 'GET', `${base}/api/v1/order/${huge}`),
    await http('GET', `${base}/api/v1/${huge}`),
  ];
  for (const r of replies) {
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(typeof r.body.error).toBe('string');
    expect(JSON.stringify(r.body).length).toBeLessThan(400);
  }
});
