/**
 * Order ids name their symbol (`<SYMBOL>_<uuid>`), so an order is read on its symbol only; an
 * order stored under an id of the form given before (a bare UUID) is still read, amended and
 * cancelled, in both dialects.
 */
import { randomUUID } from 'node:crypto';
import { symbolOfOrderId } from '@xtrader/protocol';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { waitFor } from '@xtrader/platform';
import { LedgerOrders } from '../src/ledger/orders';
import { parsePlaceOrder } from '../src/orders/validate';
import { binanceSigned } from './support/binance-client';
import { limit, signedHttp, startStack, type Stack } from './helpers';

let stack: Stack;
let base: string;
beforeAll(async () => {
  stack = await startStack();
  base = `${stack.api.url}/api/v1`;
});
afterAll(async () => {
  await stack?.stop();
});

/** Places `body` the way the api did before ids named their symbol: under a bare UUID. */
async function placeUnderBareUuid(body: object): Promise<string> {
  const id = randomUUID();
  const order = parsePlaceOrder(body, stack.markets, loadExchangeConfig().assets);
  const placed = await new LedgerOrders(stack.api.api.ledger).place(order, id, stack.account.accountId);
  expect(placed.kind).toBe('granted');
  await waitFor('the bare-UUID order to rest', async () => (await signedHttp(stack.account, 'GET', `${base}/order/${id}`)).body.status === 'NEW');
  return id;
}

test("a placed order's id names its symbol, in both dialects", async () => {
  const placed = await signedHttp(stack.account, 'POST', `${base}/order`, limit('Buy', 1_000_000, 0.001));
  expect(placed.status).toBe(202);
  expect(placed.body.order_id).toMatch(/^BTC-KRW_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(symbolOfOrderId(placed.body.order_id)).toBe('BTC-KRW');

  const binance = await binanceSigned(stack.api.url, stack.account, 'POST', 'order', { symbol: 'ETHKRW', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: '100000', quantity: '0.01', newOrderRespType: 'ACK' });
  expect(binance.status).toBe(200);
  expect(symbolOfOrderId(binance.body.clientOrderId)).toBe('ETH-KRW');
});

test('an id that names another symbol than its order is on is an unknown id', async () => {
  const placed = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, limit('Buy', 1_000_000, 0.001));
  expect(placed.body.status).toBe('NEW');
  const elsewhere = (placed.body.order_id as string).replace(/^BTC-KRW_/, 'ETH-KRW_');
  const unknown = await signedHttp(stack.account, 'GET', `${base}/order/ETH-KRW_${randomUUID()}`);
  expect(unknown).toMatchObject({ status: 404, body: { error: 'ORDER_NOT_FOUND' } });
  const read = await signedHttp(stack.account, 'GET', `${base}/order/${elsewhere}`);
  expect(read).toMatchObject({ status: 404, body: { error: 'ORDER_NOT_FOUND' } });
  expect((await signedHttp(stack.account, 'DELETE', `${base}/order/${elsewhere}`)).status).toBe(404);
  expect((await signedHttp(stack.account, 'GET', `${base}/order/${placed.body.order_id}`)).body.status).toBe('NEW');
});

test('an order stored under a bare UUID is read, amended and cancelled through /api/v1', async () => {
  const id = await placeUnderBareUuid(limit('Buy', 1_000_000, 0.002));
  const read = await signedHttp(stack.account, 'GET', `${base}/order/${id}`);
  expect(read).toMatchObject({ status: 200, body: { order_id: id, symbol: 'BTC-KRW', status: 'NEW', quantity: 0.002 } });
  const amended = await signedHttp(stack.account, 'POST', `${base}/order/amend`, { order_id: id, quantity: '0.001' });
  expect(amended).toMatchObject({ status: 200, body: { order_id: id, quantity: 0.001, kept_priority: true } });
  const cancelled = await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: id });
  expect(cancelled).toMatchObject({ status: 200, body: { order_id: id, status: 'CANCELLED' } });
});

test('an order stored under a bare UUID is queried and cancelled through /api/v3', async () => {
  const id = await placeUnderBareUuid({ ...limit('Buy', 1_000_000, 0.001), symbol: 'ETH-KRW' });
  const queried = await binanceSigned(stack.api.url, stack.account, 'GET', 'order', { symbol: 'ETHKRW', origClientOrderId: id });
  expect(queried).toMatchObject({ status: 200, body: { clientOrderId: id, status: 'NEW' } });
  // Named on another symbol, it is not found there.
  expect((await binanceSigned(stack.api.url, stack.account, 'GET', 'order', { symbol: 'BTCKRW', origClientOrderId: id })).status).toBe(400);
  const cancelled = await binanceSigned(stack.api.url, stack.account, 'DELETE', 'order', { symbol: 'ETHKRW', orderId: queried.body.orderId });
  expect(cancelled).toMatchObject({ status: 200, body: { orderId: queried.body.orderId, status: 'CANCELED' } });
});
