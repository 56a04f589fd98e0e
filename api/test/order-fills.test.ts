import { binanceClient } from './support/binance-client';
import { newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

/**
 * An order's fills are bounded: it shows its most recent ENGINE_ORDER_FILLS_MAX fills and how many
 * it has had in all, while its totals and the account's trade list still count every fill.
 */
const FILLS_MAX = 3;
const TAKERS = 5;

let stack: Stack;
let v1: string;
let maker: Account;
let taker: Account;

beforeAll(async () => {
  stack = await startStack({ orderFillsMax: FILLS_MAX });
  v1 = `${stack.api.url}/api/v1`;
  [maker, taker] = await Promise.all([newAccount(stack.api.url), newAccount(stack.api.url)]);
});
afterAll(() => stack?.stop());

test('an order with more fills than the bound shows the last ones and the true count; my-trades lists every fill', async () => {
  const resting = await signedHttp(maker, 'POST', `${v1}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 50_000_000, quantity: 0.001 });
  expect(resting.status).toBe(200);
  const execs: string[] = [];
  for (let i = 0; i < TAKERS; i++) {
    const t = await signedHttp(taker, 'POST', `${v1}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.0001 });
    expect(t.body).toMatchObject({ status: 'FILLED' });
    execs.push(t.body.fills[0].exec_id);
  }

  const order = await signedHttp(maker, 'GET', `${v1}/order/${resting.body.order_id}`);
  expect(order.status).toBe(200);
  expect(order.body).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.0005, fills_total: TAKERS, cumulative_quote_quantity: 25_000 });
  expect(order.body.fills.map((f: { exec_id: string }) => f.exec_id)).toEqual(execs.slice(-FILLS_MAX));

  const trades = await signedHttp(maker, 'GET', `${v1}/my-trades?symbol=BTC-KRW`);
  expect(trades.body.trades.map((t: { exec_id: string }) => t.exec_id)).toEqual([...execs].reverse());

  // The Binance order query's quote total covers every fill, not only the ones listed.
  const bot = binanceClient(stack.api.url, maker);
  const listed = await bot.fetchOrders('BTC/KRW');
  expect(listed.find((o) => o.clientOrderId === resting.body.order_id)).toMatchObject({ filled: 0.0005, cost: 25_000 });
});
