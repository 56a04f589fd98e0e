import type { RunningApi } from '../src/app';
import { anotherNode, commandLengths, http, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';
import { binanceSigned } from './support/binance-client';

/**
 * Every Binance error code the dialect answers, each with plain signed HTTP, and each leaving the
 * exchange as it was: no command appended, no order changed.
 */
let stack: Stack;
let url: string;
let alice: Account;
let bob: Account;
let readOnly: Account;

beforeAll(async () => {
  stack = await startStack();
  url = stack.api.url;
  [alice, bob] = await Promise.all([newAccount(url), newAccount(url)]);
  const key = await http('POST', `${url}/api/v1/api-keys`, { label: 'read only', scopes: ['read'] }, { authorization: `Bearer ${alice.token}` });
  readOnly = { ...alice, apiKey: key.body.api_key, apiSecret: key.body.api_secret };
});
afterAll(async () => {
  await stack?.stop();
});

const limitBuy = { symbol: 'BTCKRW', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '40000000' };

/** Runs `call`, expects Binance's `code` and `status`, and that no command was appended meanwhile. */
async function refused(call: () => Promise<{ status: number; body: any }>, status: number, code: number, msg?: RegExp) {
  const before = await commandLengths(stack);
  const r = await call();
  expect(r.body).toEqual({ code, msg: expect.any(String) });
  if (msg) expect(r.body.msg).toMatch(msg);
  expect(r.status).toBe(status);
  expect(await commandLengths(stack)).toEqual(before);
  return r;
}

/** Alice's open order on BTCKRW, placed through /api/v3. */
async function openOrder(price = '39000000') {
  const r = await binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, price, newOrderRespType: 'RESULT' });
  expect(r.status).toBe(200);
  expect(r.body.status).toBe('NEW');
  return r.body as { orderId: number; clientOrderId: string };
}

describe('signing', () => {
  test('-1021: a timestamp outside recvWindow (too old, or over 1 s ahead)', async () => {
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { timestamp: Date.now() - 6000 }), 400, -1021, /recvWindow/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { timestamp: Date.now() + 5000 }), 400, -1021);
    // A wider recvWindow accepts the same age.
    const r = await binanceSigned(url, alice, 'GET', 'account', { recvWindow: 20000 }, { timestamp: Date.now() - 6000 });
    expect(r.status).toBe(200);
  });

  test('-1022: a signature made with another secret, or over other parameters', async () => {
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { secret: bob.apiSecret }), 400, -1022, /Signature/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { secret: 'x'.repeat(64) }), 400, -1022);
  });

  test('-2014 / -2015: a key of the wrong format, an unknown key, a key without the trade scope', async () => {
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { apiKey: 'not-a-key' }), 401, -2014, /API-key format invalid/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { apiKey: '0'.repeat(32) }), 401, -2015, /Invalid API-key/);
    await refused(() => binanceSigned(url, readOnly, 'POST', 'order', limitBuy), 401, -2015, /trade scope/);
    expect((await binanceSigned(url, readOnly, 'GET', 'account', {})).status).toBe(200);
  });

  test('-1102: no timestamp or no signature', async () => {
    await refused(() => http('GET', `${url}/api/v3/account?recvWindow=5000`, undefined, { 'x-mbx-apikey': alice.apiKey }), 400, -1102, /timestamp/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', limitBuy, { noSignature: true }), 400, -1102, /signature/);
  });
});

describe('parameters', () => {
  test('-1121: an unknown symbol, on a public and on a signed route', async () => {
    await refused(() => http('GET', `${url}/api/v3/depth?symbol=BTCXYZ`), 400, -1121, /Invalid symbol/);
    await refused(() => http('GET', `${url}/api/v3/depth?symbol=BTC-KRW`), 400, -1121);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, symbol: 'DOGEKRW' }), 400, -1121);
  });

  test('-1100: a malformed value; -1013: a price or quantity off the tick or lot', async () => {
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, quantity: 'abc' }), 400, -1100, /quantity/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, quantity: '-1' }), 400, -1100);
    await refused(() => http('GET', `${url}/api/v3/depth?symbol=BTCKRW&limit=x`), 400, -1100, /limit/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, price: '40000500' }), 400, -1013, /PRICE_FILTER/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, quantity: '0.00001' }), 400, -1013, /LOT_SIZE/);
  });

  test('-1102: a mandatory parameter missing; -1106 one sent where it does not belong', async () => {
    const { quantity: _q, ...noQuantity } = limitBuy;
    await refused(() => binanceSigned(url, alice, 'POST', 'order', noQuantity), 400, -1102, /'quantity'/);
    const { timeInForce: _t, ...noTif } = limitBuy;
    await refused(() => binanceSigned(url, alice, 'POST', 'order', noTif), 400, -1102, /'timeInForce'/);
    await refused(() => binanceSigned(url, alice, 'GET', 'order', { symbol: 'BTCKRW' }), 400, -1102, /orderId/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { symbol: 'BTCKRW', side: 'BUY', type: 'MARKET', quantity: '0.1', price: '1000' }), 400, -1106, /price/);
  });

  test('-1101 / -1104: a parameter sent twice, or one that nothing reads', async () => {
    await refused(() => http('GET', `${url}/api/v3/depth?symbol=BTCKRW&symbol=ETHKRW`), 400, -1101);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, quantitty: '1' }), 400, -1104, /quantitty/);
  });

  test('-1014: order kinds the exchange does not have (quoteOrderQty market sells, stop orders, unknown STP modes)', async () => {
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { symbol: 'BTCKRW', side: 'SELL', type: 'MARKET', quoteOrderQty: '1000000' }), 400, -1014, /quoteOrderQty/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { symbol: 'BTCKRW', side: 'BUY', type: 'MARKET', quoteOrderQty: '1000000', selfTradePreventionMode: 'DECREMENT' }), 400, -1014, /selfTradePreventionMode/);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, type: 'STOP_LOSS_LIMIT', stopPrice: '1000' }), 400, -1014);
  });
});

describe('orders', () => {
  test('-2010: a LIMIT_MAKER that would take, and a reused newClientOrderId with other content; the book is unchanged', async () => {
    const ask = await signedHttp(bob, 'POST', `${url}/api/v1/order?wait=true`, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 60_000_000, quantity: 0.1 });
    expect(ask.status).toBe(200);
    const book = async () => (await http('GET', `${url}/api/v3/depth?symbol=BTCKRW`)).body;
    const before = await book();
    const r = await binanceSigned(url, alice, 'POST', 'order', { symbol: 'BTCKRW', side: 'BUY', type: 'LIMIT_MAKER', quantity: '0.1', price: '60000000' });
    expect(r.body).toEqual({ code: -2010, msg: 'Order would immediately match and take.' });
    expect(r.status).toBe(400);
    expect(await book()).toEqual(before);

    const first = await binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, newClientOrderId: 'bot-1' });
    expect(first.status).toBe(200);
    await refused(() => binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, price: '41000000', newClientOrderId: 'bot-1' }), 400, -2010, /Duplicate order/);
    // The same content again is a retry: the first order's answer, nothing new.
    const retry = await binanceSigned(url, alice, 'POST', 'order', { ...limitBuy, newClientOrderId: 'bot-1' });
    expect(retry.body.orderId).toBe(first.body.orderId);
  });

  test('-2010: an order the account cannot fund, refused with Binance\'s message; nothing reaches the book', async () => {
    const poor = await newAccount(url, { funded: false });
    const r = await refused(() => binanceSigned(url, poor, 'POST', 'order', limitBuy), 400, -2010, /^Account has insufficient balance for requested action\./);
    expect(r.body.msg).toMatch(/KRW/);
  });

  test('-2013: querying an order number that does not exist, or another account\'s order', async () => {
    const mine = await openOrder();
    await refused(() => binanceSigned(url, alice, 'GET', 'order', { symbol: 'BTCKRW', orderId: 999999 }), 400, -2013, /Order does not exist/);
    await refused(() => binanceSigned(url, bob, 'GET', 'order', { symbol: 'BTCKRW', orderId: mine.orderId }), 400, -2013);
    await refused(() => binanceSigned(url, bob, 'GET', 'order', { symbol: 'BTCKRW', origClientOrderId: mine.clientOrderId }), 400, -2013);
    // The same order on another symbol's numbering is another order.
    await refused(() => binanceSigned(url, alice, 'GET', 'order', { symbol: 'ETHKRW', orderId: mine.orderId }), 400, -2013);
    const found = await binanceSigned(url, alice, 'GET', 'order', { symbol: 'BTCKRW', orderId: mine.orderId });
    expect(found.body).toMatchObject({ orderId: mine.orderId, status: 'NEW', symbol: 'BTCKRW', price: '39000000', origQty: '0.1000' });
  });

  test('-2011: cancelling an unknown order, another account\'s, or one already cancelled; the order stays as it was', async () => {
    const mine = await openOrder('38000000');
    await refused(() => binanceSigned(url, alice, 'DELETE', 'order', { symbol: 'BTCKRW', orderId: 999999 }), 400, -2011, /Unknown order/);
    await refused(() => binanceSigned(url, bob, 'DELETE', 'order', { symbol: 'BTCKRW', orderId: mine.orderId }), 400, -2011);
    expect((await binanceSigned(url, alice, 'GET', 'order', { symbol: 'BTCKRW', orderId: mine.orderId })).body.status).toBe('NEW');
    const cancelled = await binanceSigned(url, alice, 'DELETE', 'order', { symbol: 'BTCKRW', orderId: mine.orderId });
    expect(cancelled.body).toMatchObject({ orderId: mine.orderId, status: 'CANCELED', origClientOrderId: mine.clientOrderId });
    await refused(() => binanceSigned(url, alice, 'DELETE', 'order', { symbol: 'BTCKRW', orderId: mine.orderId }), 400, -2011);
  });
});

describe('request weight', () => {
  let small: RunningApi;
  beforeAll(async () => {
    small = await anotherNode(stack, { binance: { weightPerMinute: 10 } });
  });
  afterAll(async () => {
    await small?.close();
  });

  test('answers carry X-MBX-USED-WEIGHT-1M; past the budget -1003 with Retry-After, and the order is not placed', async () => {
    const first = await http('GET', `${small.url}/api/v3/depth?symbol=BTCKRW`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('5');
    expect((await http('GET', `${small.url}/api/v3/depth?symbol=BTCKRW`)).headers.get('x-mbx-used-weight-1m')).toBe('10');
    const r = await refused(() => binanceSigned(small.url, alice, 'POST', 'order', limitBuy), 429, -1003, /Too many requests/);
    expect(Number((r as any).headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('the order-entry limit counts /api/v3 places and cancels too: past it -1003, nothing appended', async () => {
    const limited = await anotherNode(stack, { rateLimit: { orders: 1, windowSeconds: 60, trustProxy: '' } });
    try {
      expect((await binanceSigned(limited.url, alice, 'POST', 'order', { ...limitBuy, price: '30000000' })).status).toBe(200);
      await refused(() => binanceSigned(limited.url, alice, 'POST', 'order', { ...limitBuy, price: '30000000' }), 429, -1003, /Too many new orders/);
      await refused(() => binanceSigned(limited.url, alice, 'DELETE', 'openOrders', { symbol: 'BTCKRW' }), 429, -1003);
    } finally {
      await limited.close();
    }
  });

  test('the per-account trade limit counts /api/v3 places and cancels too: past it -1003, nothing appended', async () => {
    const limited = await anotherNode(stack, { auth: { tradePerAccount: { points: 1, windowSeconds: 60 } } });
    try {
      const carol = await newAccount(url);
      expect((await binanceSigned(limited.url, carol, 'POST', 'order', { ...limitBuy, price: '30000000' })).status).toBe(200);
      await refused(() => binanceSigned(limited.url, carol, 'POST', 'order', { ...limitBuy, price: '30000000' }), 429, -1003, /orders and cancels/);
      await refused(() => binanceSigned(limited.url, carol, 'DELETE', 'openOrders', { symbol: 'BTCKRW' }), 429, -1003);
      // Reading is not trading: the budget is for the trade scope only.
      expect((await binanceSigned(limited.url, carol, 'GET', 'openOrders', { symbol: 'BTCKRW' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
