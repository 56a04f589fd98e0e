/**
 * Every order has an owner: order routes need credentials, only the owner sees or cancels an
 * order (anyone else gets exactly the unknown-id answer), client_order_id is per account, the
 * account's own lists, and no account id ever reaches a public answer or the public feed.
 */
import { randomUUID } from 'node:crypto';
import { FIELDS, symbolKeys } from '@xtrader/protocol';
import { waitFor } from '@xtrader/platform';
import { commandLengths, http, limit, newAccount, signedHttp, startStack, bearerHttp, type Account, type Stack } from './helpers';

let stack: Stack;
let alice: Account;
let bob: Account;
let base: string;

beforeAll(async () => {
  stack = await startStack();
  base = `${stack.api.url}/api/v1`;
  alice = stack.account;
  bob = await newAccount(stack.api.url);
});
afterAll(() => stack?.stop());


describe('order routes need credentials', () => {
  it.each(['/api/v1/order', '/api/v1/order/'])('POST %s without credentials is 401 UNAUTHENTICATED and appends nothing', async (path) => {
    const before = await commandLengths(stack);
    const r = await http('POST', `${stack.api.url}${path}`, limit('Buy', 1000, 1));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('UNAUTHENTICATED');
    expect(await commandLengths(stack)).toEqual(before);
  });

  it('POST /order with a wrong signature is 401, with a read-only key 403, and appends nothing', async () => {
    const before = await commandLengths(stack);
    const wrong = await signedHttp({ apiKey: alice.apiKey, apiSecret: 'not the secret' }, 'POST', `${base}/order`, limit('Buy', 1000, 1));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'UNAUTHENTICATED', message: 'invalid API key or signature' });
    const key = await bearerHttp(alice, 'POST', `${base}/api-keys`, { label: 'reader', scopes: ['read'] });
    const reader = { apiKey: key.body.api_key, apiSecret: key.body.api_secret };
    const placed = await signedHttp(reader, 'POST', `${base}/order`, limit('Buy', 1000, 1));
    expect(placed.status).toBe(403);
    expect(placed.body.error).toBe('FORBIDDEN');
    expect(await commandLengths(stack)).toEqual(before);
    expect((await signedHttp(reader, 'GET', `${base}/orders`)).status).toBe(200);
  });

  it('GET and cancel need credentials too', async () => {
    const id = randomUUID();
    expect((await http('GET', `${base}/order/${id}`)).status).toBe(401);
    expect((await http('DELETE', `${base}/order/${id}`)).status).toBe(401);
    expect((await http('POST', `${base}/order/cancel`, { order_id: id })).status).toBe(401);
    expect((await http('GET', `${base}/orders`)).status).toBe(401);
    expect((await http('DELETE', `${base}/orders`)).status).toBe(401);
    expect((await http('GET', `${base}/my-trades`)).status).toBe(401);
  });
});

describe('only the owner sees or cancels an order', () => {
  it("answers another account's GET and cancel exactly as an unknown id, and the order stays open", async () => {
    const placed = await signedHttp(alice, 'POST', `${base}/order?wait=true`, limit('Sell', 95_000_000, 0.1));
    expect(placed.body.status).toBe('NEW');
    const id = placed.body.order_id as string;
    const unknownId = randomUUID();
    const unknown = (r: { body: { message: string } }) => ({ ...r.body, message: r.body.message.replace(unknownId, id) });
    const notFound = unknown(await signedHttp(bob, 'GET', `${base}/order/${unknownId}`));
    const seen = await signedHttp(bob, 'GET', `${base}/order/${id}`);
    expect(seen.status).toBe(404);
    expect(seen.body).toEqual(notFound);
    const cancelNotFound = unknown(await signedHttp(bob, 'DELETE', `${base}/order/${unknownId}`));
    for (const cancel of [await signedHttp(bob, 'DELETE', `${base}/order/${id}`), await signedHttp(bob, 'POST', `${base}/order/cancel`, { order_id: id })]) {
      expect(cancel.status).toBe(404);
      expect(cancel.body).toEqual(cancelNotFound);
    }
    expect((await signedHttp(alice, 'GET', `${base}/order/${id}`)).body.status).toBe('NEW');
    const own = await signedHttp(alice, 'DELETE', `${base}/order/${id}`);
    expect(own.status).toBe(200);
    expect(own.body.status).toBe('CANCELLED');
  });

  it("the engine itself refuses a cancel command naming another account (the order stays on the book)", async () => {
    const placed = await signedHttp(alice, 'POST', `${base}/order?wait=true`, limit('Sell', 96_000_000, 0.1));
    const id = placed.body.order_id as string;
    const keys = symbolKeys('BTC-KRW', stack.prefix);
    await stack.redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify({ v: 1, kind: 'cancel', order_id: id, request_id: 'forged-1', account_id: bob.accountId }));
    const rejected = await waitFor('the engine to answer the forged cancel', async () => {
      const entries = await stack.redis.xrange(keys.events, '-', '+');
      const text = entries.map(([, f]) => f.join(' ')).join('\n');
      return text.includes('forged-1') ? text : undefined;
    });
    expect(rejected).toMatch(/"x",\d+,\d+,"[^"]+","forged-1","ORDER_NOT_FOUND"/);
    expect((await signedHttp(alice, 'GET', `${base}/order/${id}`)).body.status).toBe('NEW');
    expect((await signedHttp(alice, 'DELETE', `${base}/order/${id}`)).status).toBe(200);
  });

  it('client_order_id is unique per account and symbol, not across accounts', async () => {
    const a = await signedHttp(alice, 'POST', `${base}/order`, limit('Buy', 2000, 0.1, { client_order_id: 'shared-coid' }));
    const b = await signedHttp(bob, 'POST', `${base}/order`, limit('Buy', 2000, 0.1, { client_order_id: 'shared-coid' }));
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.order_id).not.toBe(a.body.order_id);
    const again = await signedHttp(alice, 'POST', `${base}/order`, limit('Buy', 3000, 0.1, { client_order_id: 'shared-coid' }));
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('DUPLICATE_CLIENT_ORDER_ID');
  });
});

describe("the account's own routes", () => {
  it('lists open and all orders newest first, filters by symbol, cancels all and lists own trades', async () => {
    const carol = await newAccount(stack.api.url);
    const dave = await newAccount(stack.api.url);
    const place = (who: Account, body: object) => signedHttp(who, 'POST', `${base}/order?wait=true`, body);
    const first = await place(carol, { symbol: 'ETH-KRW', side: 'Sell', type: 'Limit', price: 3_100_000, quantity: 2 });
    const second = await place(carol, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 97_000_000, quantity: 0.5 });
    const third = await place(carol, { symbol: 'ETH-KRW', side: 'Sell', type: 'Limit', price: 3_200_000, quantity: 1 });
    const daves = await place(dave, { symbol: 'ETH-KRW', side: 'Sell', type: 'Limit', price: 3_300_000, quantity: 1 });
    // Dave takes 0.5 of Carol's first order: a fill on both sides.
    const taker = await place(dave, { symbol: 'ETH-KRW', side: 'Buy', type: 'Limit', price: 3_100_000, quantity: 0.5 });
    expect(taker.body.status).toBe('FILLED');

    const open = await signedHttp(carol, 'GET', `${base}/orders`);
    expect(open.status).toBe(200);
    expect(open.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([third.body.order_id, second.body.order_id, first.body.order_id]);
    expect(open.body.orders[2]).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.5 });
    const eth = await signedHttp(carol, 'GET', `${base}/orders?symbol=ETH-KRW&limit=1`);
    expect(eth.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([third.body.order_id]);
    expect(JSON.stringify(open.body)).not.toContain(daves.body.order_id);

    const trades = await signedHttp(carol, 'GET', `${base}/my-trades`);
    expect(trades.body.trades).toEqual([
      { exec_id: expect.any(String), order_id: first.body.order_id, symbol: 'ETH-KRW', side: 'Sell', price: 3_100_000, quantity: 0.5, fee: 775, fee_asset: 'KRW', liquidity: 'maker', timestamp: expect.any(Number) },
    ]);
    const daveTrades = await signedHttp(dave, 'GET', `${base}/my-trades?symbol=ETH-KRW`);
    expect(daveTrades.body.trades).toEqual([{ ...trades.body.trades[0], order_id: taker.body.order_id, side: 'Buy', fee: 1550, liquidity: 'taker' }]);

    const cancelledEth = await signedHttp(carol, 'DELETE', `${base}/orders?symbol=ETH-KRW`);
    expect(cancelledEth.status).toBe(200);
    expect(new Set(cancelledEth.body.cancelled)).toEqual(new Set([first.body.order_id, third.body.order_id]));
    expect((await signedHttp(carol, 'GET', `${base}/orders`)).body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([second.body.order_id]);
    const rest = await signedHttp(carol, 'DELETE', `${base}/orders`);
    expect(rest.body).toEqual({ cancelled: [second.body.order_id] });
    expect((await signedHttp(carol, 'GET', `${base}/orders`)).body.orders).toEqual([]);
    const all = await signedHttp(carol, 'GET', `${base}/orders?status=all`);
    expect(all.body.orders.map((o: { order_id: string; status: string }) => [o.order_id, o.status])).toEqual([
      [third.body.order_id, 'CANCELLED'],
      [second.body.order_id, 'CANCELLED'],
      [first.body.order_id, 'CANCELLED'],
    ]);
    // Paging back: the page after the first order of `all` starts before its created_at.
    const page1 = await signedHttp(carol, 'GET', `${base}/orders?status=all&limit=1`);
    const page2 = await signedHttp(carol, 'GET', `${base}/orders?status=all&limit=5&before=${page1.body.orders[0].created_at}`);
    expect(page1.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([third.body.order_id]);
    for (const o of page2.body.orders) expect(o.created_at).toBeLessThan(page1.body.orders[0].created_at);
    expect((await signedHttp(carol, 'GET', `${base}/orders?before=soon`)).body.error).toBe('INVALID_REQUEST');
    // Dave's resting order was not touched by Carol's cancel-all.
    expect((await signedHttp(dave, 'GET', `${base}/order/${daves.body.order_id}`)).body.status).toBe('NEW');
    expect((await signedHttp(dave, 'DELETE', `${base}/orders`)).body).toEqual({ cancelled: [daves.body.order_id] });
  });

  it('refuses bad list parameters with 400', async () => {
    expect((await signedHttp(alice, 'GET', `${base}/orders?status=closed`)).body.error).toBe('INVALID_REQUEST');
    expect((await signedHttp(alice, 'GET', `${base}/orders?limit=0`)).body.error).toBe('INVALID_LIMIT');
    expect((await signedHttp(alice, 'GET', `${base}/orders?symbol=NOPE`)).body.error).toBe('SYMBOL_NOT_FOUND');
    expect((await signedHttp(alice, 'GET', `${base}/my-trades?limit=5000`)).body.error).toBe('INVALID_LIMIT');
  });

  it('never shows an account id in public answers or on the public feed', async () => {
    const seller = await newAccount(stack.api.url);
    await signedHttp(seller, 'POST', `${base}/order?wait=true`, limit('Sell', 98_000_000, 0.2));
    await signedHttp(alice, 'POST', `${base}/order?wait=true`, limit('Buy', 98_000_000, 0.2));
    const ids = [seller.accountId, alice.accountId, seller.username, alice.username];
    const keys = symbolKeys('BTC-KRW', stack.prefix);
    const feed = await waitFor('the trade on the feed', async () => {
      const text = JSON.stringify(await stack.redis.xrange(keys.feed, '-', '+'));
      return text.includes('98000000') ? text : undefined;
    });
    const publicAnswers = await Promise.all(['/trades/BTC-KRW', '/orderbook/BTC-KRW', '/statistics/BTC-KRW', '/klines/BTC-KRW/1m'].map((p) => http('GET', `${base}${p}`)));
    for (const text of [feed, ...publicAnswers.map((a) => JSON.stringify(a.body))]) for (const id of ids) expect(text).not.toContain(id);
    // The audit trail (engine events) does carry the owners.
    const events = JSON.stringify(await stack.redis.xrange(keys.events, '-', '+'));
    expect(events).toContain(seller.accountId);
  });
});

describe('amend', () => {
  it("answers another account's amend exactly as an unknown id, and the order keeps its size", async () => {
    const placed = await signedHttp(alice, 'POST', `${base}/order?wait=true`, limit('Sell', 99_500_000, 0.3));
    const id = placed.body.order_id as string;
    const unknownId = randomUUID();
    const unknown = await signedHttp(bob, 'POST', `${base}/order/amend`, { order_id: unknownId, quantity: '0.1' });
    const other = await signedHttp(bob, 'POST', `${base}/order/amend`, { order_id: id, quantity: '0.1' });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ ...unknown.body, message: unknown.body.message.replace(unknownId, id) });
    expect((await signedHttp(alice, 'GET', `${base}/order/${id}`)).body.quantity).toBe(0.3);
    expect((await signedHttp(alice, 'POST', `${base}/order/amend`, { order_id: id, quantity: '0.1' })).status).toBe(200);
    expect((await signedHttp(alice, 'DELETE', `${base}/order/${id}`)).status).toBe(200);
  });
});
