/**
 * The per-account limit on orders and cancels is kept in Redis: two api nodes spend one budget,
 * over it a request gets 429 RATE_LIMITED with Retry-After and nothing is appended, and another
 * account on the same address is not affected.
 */
import type { RunningApi } from '../src/app';
import { anotherNode, commandLengths, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

const BUDGET = 3;
let stack: Stack;
let second: RunningApi;
let other: Account;

beforeAll(async () => {
  const auth = { tradePerAccount: { points: BUDGET, windowSeconds: 3600 } };
  stack = await startStack({ engines: false, auth });
  second = await anotherNode(stack, { auth });
  other = await newAccount(stack.api.url);
});
afterAll(async () => {
  await second?.close();
  await stack?.stop();
});

const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '50000000', quantity: '0.01' };

it('one budget per account across api nodes, for the fast path and the Express route alike', async () => {
  // Creating its API key was one trade request of the budget: two orders remain.
  const trader = await newAccount(second.url);
  const before = await commandLengths(stack);
  expect((await signedHttp(trader, 'POST', `${stack.api.url}/api/v1/order`, order)).status).toBe(202);
  expect((await signedHttp(trader, 'POST', `${second.url}/api/v1/order/`, order)).status).toBe(202);
  const refused = [await signedHttp(trader, 'POST', `${stack.api.url}/api/v1/order`, order), await signedHttp(trader, 'POST', `${second.url}/api/v1/order/`, order)];
  for (const r of refused) {
    expect(r.status).toBe(429);
    expect(r.body.error).toBe('RATE_LIMITED');
    expect(r.body.message).toContain(`more than ${BUDGET} orders and cancels in 3600 s from account ${trader.username}`);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect((await signedHttp(trader, 'DELETE', `${second.url}/api/v1/orders`)).status).toBe(429);
  const after = await commandLengths(stack);
  expect(after['BTC-KRW']).toBe(before['BTC-KRW'] + 2);
  // Reads are not counted; another account has its own budget.
  expect((await signedHttp(trader, 'GET', `${stack.api.url}/api/v1/orders`)).status).toBe(200);
  expect((await signedHttp(other, 'POST', `${second.url}/api/v1/order`, order)).status).toBe(202);
});
