import { randomUUID } from 'node:crypto';
import { AmendOrderAnswer } from '@xtrader/protocol';
import { commandLengths, limit, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
let base: string;
/** Sells come from this account, buys from the stack's: one account's orders never trade with each other. */
let seller: Account;
beforeAll(async () => {
  stack = await startStack();
  base = `${stack.api.url}/api/v1`;
  seller = await newAccount(stack.api.url);
});
afterAll(async () => {
  await stack?.stop();
});

// BTC-KRW: tick 1000, lot 0.0001. Each test cancels what it left resting, so tests never meet.
const placed: string[] = [];
const owners = new Map<string, Account>();
const ownerOf = (id: unknown) => owners.get(String(id)) ?? stack.account;
const place = async (body: Record<string, unknown>) => {
  const account = body.side === 'Sell' ? seller : stack.account;
  const res = await signedHttp(account, 'POST', `${base}/order?wait=true`, body);
  expect(res.status).toBe(200);
  placed.push(res.body.order_id);
  owners.set(res.body.order_id, account);
  return res.body as { order_id: string; status: string };
};
afterEach(async () => {
  for (const id of placed.splice(0)) await signedHttp(ownerOf(id), 'DELETE', `${base}/order/${id}`);
});
const amend = (body: unknown) => signedHttp(ownerOf((body as { order_id?: unknown } | null)?.order_id), 'POST', `${base}/order/amend`, body);
const order = async (id: string) => (await signedHttp(ownerOf(id), 'GET', `${base}/order/${id}`)).body;

describe('amending an order through HTTP', () => {
  test('less quantity at the same price keeps the order first in the queue', async () => {
    const a = await place(limit('Sell', 61_000_000, 0.5));
    const b = await place(limit('Sell', 61_000_000, 0.5));
    const res = await amend({ order_id: a.order_id, quantity: '0.3' });
    expect(res.status).toBe(200);
    expect(AmendOrderAnswer.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ order_id: a.order_id, kept_priority: true, status: 'NEW', quantity: 0.3, remaining_quantity: 0.3, price: 61_000_000 });
    // The next buyer meets a first, as before the amend.
    const taker = await place({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 61_000_000, quantity: 0.3, time_in_force: 'IOC' });
    expect(taker.status).toBe('FILLED');
    expect(await order(a.order_id)).toMatchObject({ status: 'FILLED', filled_quantity: 0.3 });
    expect(await order(b.order_id)).toMatchObject({ status: 'NEW', filled_quantity: 0 });
  });

  test('more quantity loses the priority: the order goes to the back of its price', async () => {
    const a = await place(limit('Sell', 62_000_000, 0.5));
    const b = await place(limit('Sell', 62_000_000, 0.5));
    const res = await amend({ order_id: a.order_id, quantity: 0.8 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kept_priority: false, status: 'NEW', quantity: 0.8, remaining_quantity: 0.8 });
    await place({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 62_000_000, quantity: 0.5, time_in_force: 'IOC' });
    expect(await order(b.order_id)).toMatchObject({ status: 'FILLED' });
    expect(await order(a.order_id)).toMatchObject({ status: 'NEW', filled_quantity: 0, quantity: 0.8 });
  });

  test('a new price that crosses trades at once; the answer shows the fills', async () => {
    const bid = await place(limit('Buy', 63_000_000, 0.2));
    const ask = await place(limit('Sell', 63_500_000, 0.5));
    const res = await amend({ order_id: ask.order_id, price: '63000000' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kept_priority: false, status: 'PARTIALLY_FILLED', price: 63_000_000, quantity: 0.5, filled_quantity: 0.2, remaining_quantity: 0.3 });
    expect(res.body.fills).toEqual([expect.objectContaining({ price: 63_000_000, quantity: 0.2, liquidity: 'taker', counter_order_id: bid.order_id })]);
    expect(await order(bid.order_id)).toMatchObject({ status: 'FILLED' });
  });

  test('after a partial fill, the quantity is the total: it must stay above what has filled', async () => {
    const a = await place(limit('Buy', 64_000_000, 1));
    await place({ symbol: 'BTC-KRW', side: 'Sell', type: 'Market', quantity: 0.4 });
    const before = await commandLengths(stack);
    const below = await amend({ order_id: a.order_id, quantity: 0.4 });
    expect(below.status).toBe(400);
    expect(below.body).toEqual({ error: 'QUANTITY_NOT_ABOVE_FILLED', message: expect.any(String) });
    const same = await amend({ order_id: a.order_id, quantity: 1, price: 64_000_000 });
    expect(same.status).toBe(400);
    expect(same.body.error).toBe('NOTHING_CHANGED');
    // Both reached the engine (only it knows the fills for sure) and changed nothing.
    expect((await commandLengths(stack))['BTC-KRW']).toBe(before['BTC-KRW'] + 2);
    expect(await order(a.order_id)).toMatchObject({ status: 'PARTIALLY_FILLED', quantity: 1, filled_quantity: 0.4, remaining_quantity: 0.6, price: 64_000_000 });
    const ok = await amend({ order_id: a.order_id, quantity: 0.5 });
    expect(ok.body).toMatchObject({ kept_priority: true, quantity: 0.5, filled_quantity: 0.4, remaining_quantity: 0.1 });
  });

  test('a post-only order cannot be moved to a price that would take liquidity', async () => {
    await place(limit('Buy', 65_000_000, 0.1));
    const p = await place(limit('Sell', 65_500_000, 0.1, { time_in_force: 'POST_ONLY' }));
    const res = await amend({ order_id: p.order_id, price: 65_000_000 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('POST_ONLY_WOULD_CROSS');
    expect(await order(p.order_id)).toMatchObject({ status: 'NEW', price: 65_500_000 });
  });

  test('an unknown, filled or cancelled order is 404 ORDER_NOT_FOUND and nothing is enqueued', async () => {
    const filled = await place(limit('Sell', 66_000_000, 0.1));
    await place(limit('Buy', 66_000_000, 0.1));
    const cancelled = await place(limit('Sell', 66_500_000, 0.1));
    expect((await signedHttp(ownerOf(cancelled.order_id), 'POST', `${base}/order/cancel`, { order_id: cancelled.order_id })).status).toBe(200);
    const before = await commandLengths(stack);
    for (const id of [randomUUID(), filled.order_id, cancelled.order_id]) {
      const res = await amend({ order_id: id, quantity: 0.05 });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'ORDER_NOT_FOUND', message: expect.any(String) });
    }
    expect(await commandLengths(stack)).toEqual(before);
  });

  test.each([
    ['no change asked', {}, 'INVALID_REQUEST'],
    ['a price off the tick', { price: 67_000_500 }, 'INVALID_PRICE'],
    ['a zero price', { price: 0 }, 'INVALID_PRICE'],
    ['a price above the maximum', { price: '20000000000' }, 'INVALID_PRICE'],
    ['a quantity finer than the lot', { quantity: 0.00001 }, 'INVALID_QUANTITY'],
    ['a zero quantity', { quantity: 0 }, 'INVALID_QUANTITY'],
    ['a quantity above the maximum', { quantity: 5000 }, 'INVALID_QUANTITY'],
    ['a quantity that is not a number', { quantity: 'lots' }, 'INVALID_QUANTITY'],
    ['an unknown field', { quantity: 0.1, side: 'Buy' }, 'INVALID_REQUEST'],
  ])('bad amend: %s -> 400 and nothing enqueued', async (_name, change, code) => {
    const a = await place(limit('Buy', 67_000_000, 0.2));
    const before = await commandLengths(stack);
    const res = await amend({ order_id: a.order_id, ...change });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: code, message: expect.any(String) });
    expect(await commandLengths(stack)).toEqual(before);
    expect(await order(a.order_id)).toMatchObject({ status: 'NEW', quantity: 0.2, price: 67_000_000 });
  });

  test('bad amend bodies and ids', async () => {
    const before = await commandLengths(stack);
    expect((await amend({ quantity: 1 })).body.error).toBe('INVALID_ORDER_ID');
    expect((await amend({ order_id: 'bad id!', quantity: 1 })).body.error).toBe('INVALID_ORDER_ID');
    expect((await amend([{ order_id: 'x' }])).body.error).toBe('INVALID_REQUEST');
    expect((await amend('{oops')).body.error).toBe('INVALID_JSON');
    expect(await commandLengths(stack)).toEqual(before);
  });
});
