/**
 * nginx in front of the cluster holds its abuse bounds (here set small): connections per client
 * address on /ws, orders per client address per second, and a realtime node's /metrics is not
 * served to the public through it (the node still serves it on its own port).
 */
import { WebSocket } from 'ws';
import { ApiClient } from '../src/api-client';
import { startStack, type Stack } from '../src/stack';
import { TEST_ADMIN_TOKEN } from './support/exchange-client';

let stack: Stack;
let trader: ApiClient;
beforeAll(async () => {
  stack = await startStack({ symbols: ['BTC-KRW'], apis: 1, realtimes: 1, nginx: true, nginxLimits: { connPerAddress: 2, writeRate: 1, writeBurst: 2 }, env: { XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
  // The account is made (and funded) on the api node itself: its signup and login are writes nginx would count.
  trader = await ApiClient.withNewAccount(stack.apiUrls[0], 'limits', undefined, { adminToken: TEST_ADMIN_TOKEN });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
}, 60_000);

test("a realtime node's /metrics is not served through nginx", async () => {
  expect((await fetch(`${stack.nginxUrl}/metrics`)).status).toBe(404);
  expect((await fetch(`${stack.realtimeUrls[0]}/metrics`)).status).toBe(200);
});

test('one client address holds at most its share of WebSocket connections through nginx', async () => {
  const open = (): Promise<{ ws: WebSocket; outcome: 'open' | number }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${stack.nginxUrl!.replace('http', 'ws')}/ws`);
      ws.once('open', () => resolve({ ws, outcome: 'open' }));
      ws.once('unexpected-response', (_req, res) => resolve({ ws, outcome: res.statusCode ?? 0 }));
      ws.once('error', () => resolve({ ws, outcome: -1 }));
    });
  const first = await open();
  const second = await open();
  const third = await open();
  expect([first.outcome, second.outcome, third.outcome]).toEqual(['open', 'open', 429]);
  for (const c of [first, second, third]) c.ws.terminate();
});

test('orders past the per-address rate are refused by nginx with 429', async () => {
  const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '40000000', quantity: '0.01' };
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => {
      const body = JSON.stringify(order);
      return fetch(`${stack.nginxUrl}/api/v1/order`, { method: 'POST', headers: { 'content-type': 'application/json', ...trader.sign('POST', '/api/v1/order', body) }, body }).then((r) => r.status);
    }),
  );
  expect(answers.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
  expect(answers.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
  // Reads are not limited by it.
  for (let i = 0; i < 5; i++) expect((await fetch(`${stack.nginxUrl}/api/v1/symbols`)).status).toBe(200);
});
