import { waitFor } from '@xtrader/platform';
import { randomUUID } from 'node:crypto';
import { decodeEvent, entryField, FIELDS, OrderView, symbolKeys, type CompactEvent } from '@xtrader/protocol';
import { commandLengths, http, limit, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
let base: string;
/** The counterparty of the stack's account (one account's orders never trade with each other). */
let other: Account;
beforeAll(async () => {
  stack = await startStack();
  base = `${stack.api.url}/api/v1`;
  other = await newAccount(stack.api.url);
});
afterAll(async () => {
  await stack?.stop();
});


async function tradeEvents(symbol: string) {
  const entries = await stack.redis.xrange(symbolKeys(symbol, stack.prefix).events, '-', '+');
  return entries
    .flatMap(([, f]) => (JSON.parse(entryField(f, FIELDS.events)!) as [string, ...CompactEvent[]][]).flatMap(([, ...e]) => e.map(decodeEvent)))
    .filter((e) => e.kind === 'trade');
}

describe('placing orders through HTTP', () => {
  test('two crossing orders produce exactly one trade, visible on both orders', async () => {
    const sell = await signedHttp(other, 'POST', `${base}/order?wait=true`, limit('Sell', 50_000_000, 0.5));
    expect(sell.status).toBe(200);
    expect(OrderView.parse(sell.body)).toMatchObject({ status: 'NEW', remaining_quantity: 0.5, filled_quantity: 0 });

    const buy = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, limit('Buy', '50000000', '0.5'));
    expect(buy.status).toBe(200);
    expect(buy.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.5, remaining_quantity: 0, average_price: 50_000_000 });
    expect(buy.body.fills).toEqual([
      expect.objectContaining({ price: 50_000_000, quantity: 0.5, liquidity: 'taker', counter_order_id: sell.body.order_id, fee: 25_000 }),
    ]);

    const seller = await signedHttp(other, 'GET', `${base}/order/${sell.body.order_id}`);
    expect(seller.status).toBe(200);
    expect(seller.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.5 });
    expect(seller.body.fills[0]).toMatchObject({ liquidity: 'maker', fee: 12_500 });
    expect(await tradeEvents('BTC-KRW')).toHaveLength(1);
  });

  test('without wait the answer is 202 ACCEPTED at once and the order is readable right away', async () => {
    const res = await signedHttp(stack.account, 'POST', `${stack.api.url}/v1/order`, limit('Buy', 1000, 1));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ order_id: expect.stringMatching(/^BTC-KRW_[0-9a-f-]{36}$/), status: 'ACCEPTED' });
    const got = await signedHttp(stack.account, 'GET', `${base}/order/${res.body.order_id}`);
    expect(got.status).toBe(200);
    expect(['ACCEPTED', 'NEW']).toContain(got.body.status);
    const settled = await waitFor('the engine to rest the order', async () => {
      const r = await signedHttp(stack.account, 'GET', `${base}/order/${res.body.order_id}`);
      return r.body.status === 'NEW' ? r.body : undefined;
    });
    expect(settled).toMatchObject({ symbol: 'BTC-KRW', price: 1000, quantity: 1, remaining_quantity: 1 });
  });

  test('a market order with no liquidity ends CANCELLED, never resting', async () => {
    const res = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, { symbol: 'ETH-KRW', side: 'Buy', type: 'Market', quantity: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', filled_quantity: 0, price: null });
  });

  test('unknown order -> 404 ORDER_NOT_FOUND', async () => {
    const res = await signedHttp(stack.account, 'GET', `${base}/order/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'ORDER_NOT_FOUND', message: expect.any(String) });
  });
});

describe('cancelling', () => {
  test('cancel of a resting order answers 200 with the cancelled order; a second cancel is 404', async () => {
    const placed = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, limit('Sell', 90_000_000, 0.25));
    expect(placed.body.status).toBe('NEW');
    const cancelled = await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: placed.body.order_id });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ order_id: placed.body.order_id, status: 'CANCELLED', cancel_reason: 'user' });
    const again = await signedHttp(stack.account, 'POST', `${stack.api.url}/v1/order/cancel`, { order_id: placed.body.order_id });
    expect(again.status).toBe(404);
    expect(again.body.error).toBe('ORDER_NOT_FOUND');
  });

  test('DELETE /order/:id cancels a partially filled order, keeping its fills', async () => {
    const maker = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, limit('Buy', 40_000_000, 1));
    const taker = await signedHttp(other, 'POST', `${base}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Sell', type: 'Market', quantity: 0.4 });
    expect(taker.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.4 });
    const res = await signedHttp(stack.account, 'DELETE', `${base}/order/${maker.body.order_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', filled_quantity: 0.4, remaining_quantity: 0.6 });
    expect(res.body.fills).toHaveLength(1);
  });

  test('cancel of a filled order or an unknown id is 404 ORDER_NOT_FOUND', async () => {
    const a = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, limit('Sell', 30_000_000, 0.1));
    expect((await signedHttp(other, 'POST', `${base}/order?wait=true`, limit('Buy', 30_000_000, 0.1))).body.status).toBe('FILLED');
    const filled = await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: a.body.order_id });
    expect(filled.status).toBe(404);
    expect(filled.body.error).toBe('ORDER_NOT_FOUND');
    const unknown = await signedHttp(stack.account, 'DELETE', `${base}/order/${randomUUID()}`);
    expect(unknown.status).toBe(404);
  });

  test('a cancel racing the engine still answers with the engine outcome (place then cancel at once)', async () => {
    const placed = await signedHttp(stack.account, 'POST', `${base}/order`, limit('Sell', 99_000_000, 0.3));
    const res = await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: placed.body.order_id });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
  });
});

describe('client_order_id', () => {
  test('a retry with the same content returns the first answer and enqueues nothing', async () => {
    const body = limit('Buy', 2000, 0.3, { client_order_id: 'retry-1' });
    const first = await signedHttp(stack.account, 'POST', `${base}/order`, body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'ACCEPTED', client_order_id: 'retry-1' });
    const before = await commandLengths(stack);
    const second = await signedHttp(stack.account, 'POST', `${base}/order`, { ...body, price: '2000', quantity: '0.30' });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(await commandLengths(stack)).toEqual(before);
    // Wait mode on a retry answers with the first order's engine state.
    const waited = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, body);
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ order_id: first.body.order_id, status: 'NEW', client_order_id: 'retry-1' });
  });

  test('the same client_order_id with different content is 409 and enqueues nothing', async () => {
    await signedHttp(stack.account, 'POST', `${base}/order`, limit('Buy', 2000, 0.3, { client_order_id: 'dup-1' }));
    const before = await commandLengths(stack);
    const res = await signedHttp(stack.account, 'POST', `${base}/order`, limit('Buy', 3000, 0.3, { client_order_id: 'dup-1' }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'DUPLICATE_CLIENT_ORDER_ID', message: expect.any(String) });
    expect(await commandLengths(stack)).toEqual(before);
  });

  test('client_order_id is scoped per symbol', async () => {
    const a = await signedHttp(stack.account, 'POST', `${base}/order`, limit('Buy', 2000, 0.3, { client_order_id: 'scoped' }));
    const b = await signedHttp(stack.account, 'POST', `${base}/order`, { symbol: 'AAPL', side: 'Buy', type: 'Limit', price: 1, quantity: 1, client_order_id: 'scoped' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.order_id).not.toBe(a.body.order_id);
  });
});

describe('bad input is refused with a clear error and enqueues nothing', () => {
  const ok = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.5 };
  const cases: [string, unknown, number, string][] = [
    ['side lower-case', { ...ok, side: 'buy' }, 400, 'INVALID_SIDE'],
    ['side missing', { ...ok, side: undefined }, 400, 'INVALID_SIDE'],
    ['type unknown', { ...ok, type: 'Stop' }, 400, 'INVALID_ORDER_TYPE'],
    ['price negative', { ...ok, price: -1 }, 400, 'INVALID_PRICE'],
    ['price zero', { ...ok, price: 0 }, 400, 'INVALID_PRICE'],
    ['price finer than the tick', { ...ok, price: 50_000_500 }, 400, 'INVALID_PRICE'],
    ['price not a number', { ...ok, price: 'abc' }, 400, 'INVALID_PRICE'],
    ['price as an object', { ...ok, price: { v: 1 } }, 400, 'INVALID_PRICE'],
    ['price above the maximum', { ...ok, price: '2000000000000' }, 400, 'INVALID_PRICE'],
    ['quantity finer than the lot', { ...ok, quantity: 0.00001 }, 400, 'INVALID_QUANTITY'],
    ['quantity zero', { ...ok, quantity: 0 }, 400, 'INVALID_QUANTITY'],
    ['quantity missing', { ...ok, quantity: undefined }, 400, 'INVALID_QUANTITY'],
    ['quantity above the maximum', { ...ok, quantity: 5000 }, 400, 'INVALID_QUANTITY'],
    ['quantity in exponent form', { ...ok, quantity: '1e-3' }, 400, 'INVALID_QUANTITY'],
    ['unknown symbol', { ...ok, symbol: 'DOGE-KRW' }, 400, 'SYMBOL_NOT_FOUND'],
    ['limit without price', { ...ok, price: undefined }, 400, 'PRICE_REQUIRED'],
    ['market with a price', { ...ok, type: 'Market' }, 400, 'INVALID_PRICE'],
    ['market GTC', { symbol: 'BTC-KRW', side: 'Buy', type: 'Market', quantity: 1, time_in_force: 'GTC' }, 400, 'INVALID_TIME_IN_FORCE'],
    ['unknown field', { ...ok, leverage: 100 }, 400, 'INVALID_REQUEST'],
    ['symbol of the wrong type', { ...ok, symbol: 42 }, 400, 'INVALID_REQUEST'],
    ['bad client_order_id', { ...ok, client_order_id: 'has spaces' }, 400, 'INVALID_CLIENT_ORDER_ID'],
    ['array body', [ok], 400, 'INVALID_REQUEST'],
    ['malformed JSON', '{"symbol": "BTC-KRW",', 400, 'INVALID_JSON'],
    ['JSON null', 'null', 400, 'INVALID_REQUEST'],
    ['body over 16kb', JSON.stringify({ ...ok, pad: 'x'.repeat(17_000) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];
  test.each(cases)('%s', async (_name, body, status, code) => {
    const before = await commandLengths(stack);
    const res = await signedHttp(stack.account, 'POST', `${base}/order`, body);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: code, message: expect.any(String) });
    expect(await commandLengths(stack)).toEqual(before);
  });

  test('bad cancel bodies and ids', async () => {
    const before = await commandLengths(stack);
    expect((await signedHttp(stack.account, 'POST', `${base}/order/cancel`, {})).body.error).toBe('INVALID_REQUEST');
    expect((await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: 'x', extra: 1 })).body.error).toBe('INVALID_REQUEST');
    expect((await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: 'bad id!' })).body.error).toBe('INVALID_ORDER_ID');
    expect((await signedHttp(stack.account, 'POST', `${base}/order/cancel`, '{oops')).body.error).toBe('INVALID_JSON');
    expect((await signedHttp(stack.account, 'POST', `${base}/order?wait=true&timeout_ms=99999`, ok)).body.error).toBe('INVALID_REQUEST');
    expect(await commandLengths(stack)).toEqual(before);
  });
});

describe('operations', () => {
  test('healthz, readyz with every engine alive, metrics, CORS', async () => {
    expect((await http('GET', `${stack.api.url}/healthz`)).status).toBe(200);
    const ready = await http('GET', `${stack.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.engines['BTC-KRW']).toMatchObject({ alive: true });
    const metrics = await fetch(`${stack.api.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/xt_api_orders_accepted_total\{symbol="BTC-KRW"\} \d+/);
    const preflight = await fetch(`${base}/order`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    // No origin is configured: a page from another origin is not allowed (input-guards.test.ts).
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
