/**
 * The per-client limit on orders and cancels (API_RATE_LIMIT per API_RATE_WINDOW_S): over the budget a client gets 429
 * RATE_LIMITED with Retry-After and nothing is appended; other clients and reads are unaffected.
 */
import { symbolKeys } from '@xtrader/protocol';
import { http, startStack, signedHttp, type Stack } from './helpers';

const BUDGET = 3;
const WINDOW_S = 2;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ engines: false, rateLimit: { orders: BUDGET, windowSeconds: WINDOW_S, trustProxy: 'loopback' } });
});
afterAll(() => stack?.stop());

const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '50000000', quantity: '0.01' };
/** Each test is its own client, named by the proxy in front of the api (loopback is trusted). */
const client = (address: string) => ({ 'x-forwarded-for': address });
const commands = () => stack.redis.xlen(symbolKeys('BTC-KRW', stack.prefix).commands);

it('answers 429 RATE_LIMITED with Retry-After past the budget, and appends only what it accepted', async () => {
  const before = await commands();
  const answers = await Promise.all(Array.from({ length: BUDGET + 2 }, () => signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order, client('203.0.113.1'))));
  const refused = answers.filter((a) => a.status === 429);
  expect(answers.filter((a) => a.status === 202)).toHaveLength(BUDGET);
  expect(refused).toHaveLength(2);
  for (const a of refused) {
    expect(a.body.error).toBe('RATE_LIMITED');
    expect(a.body.message).toContain(`more than ${BUDGET} orders and cancels in ${WINDOW_S} s from "203.0.113.1"`);
    expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(a.headers.get('retry-after'))).toBeLessThanOrEqual(WINDOW_S);
  }
  expect(await commands()).toBe(before + BUDGET);
  // Cancels and amends share the budget.
  const cancel = await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order/cancel`, { order_id: 'x' }, client('203.0.113.1'));
  expect(cancel.status).toBe(429);
  const amend = await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order/amend`, { order_id: 'x', quantity: 1 }, client('203.0.113.1'));
  expect(amend.status).toBe(429);
  // So do cancel-alls, in both dialects.
  const cancelAll = await signedHttp(stack.account, 'DELETE', `${stack.api.url}/api/v1/orders?symbol=BTC-KRW`, undefined, client('203.0.113.1'));
  expect(cancelAll.status).toBe(429);
  expect(cancelAll.body.error).toBe('RATE_LIMITED');
  const binanceCancelAll = await http('DELETE', `${stack.api.url}/api/v3/openOrders?symbol=BTCKRW`, undefined, client('203.0.113.1'));
  expect(binanceCancelAll.status).toBe(429);
});

it('limits each client on its own and never limits reads', async () => {
  const flood = client('203.0.113.2');
  for (let i = 0; i < BUDGET; i++) expect((await signedHttp(stack.account, 'POST', `${stack.api.url}/v1/order`, order, flood)).status).toBe(202);
  expect((await signedHttp(stack.account, 'POST', `${stack.api.url}/v1/order`, order, flood)).status).toBe(429);
  expect((await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order, client('203.0.113.3'))).status).toBe(202);
  for (let i = 0; i < BUDGET + 2; i++) expect((await http('GET', `${stack.api.url}/api/v1/symbols`, undefined, flood)).status).toBe(200);
});

it('accepts the client again once its window has passed', async () => {
  const c = client('203.0.113.4');
  for (let i = 0; i < BUDGET; i++) await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order, c);
  const refused = await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order, c);
  expect(refused.status).toBe(429);
  // Time passing has no event: ask again until the budget is back (Retry-After says when).
  const giveUpAt = Date.now() + (WINDOW_S + 2) * 1000;
  let status = refused.status;
  while (status === 429 && Date.now() < giveUpAt) {
    await new Promise((r) => setTimeout(r, 250));
    status = (await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, order, c)).status;
  }
  expect(status).toBe(202);
});
