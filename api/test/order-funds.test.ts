/**
 * Orders through the ledger, end to end over HTTP: an order the account cannot fund is refused
 * at once with nothing appended to any symbol's stream; a funded order is locked, traded and
 * settled, and once no order is open every balance is exact to the unit (hand-computed, fees
 * included) and nothing stays locked; a client_order_id retry never locks twice; amends lock what
 * they add; a place the ledger does not answer in time is a 504 with the order id, and the order
 * is placed when the ledger is back.
 */
import { waitFor } from '@xtrader/platform';
import { anotherNode, commandLengths, http, LedgerWriters, newAccount, signedHttp, startStack, TEST_ADMIN_TOKEN, TEST_LEDGER_SHARDS, type Account, type Stack } from './helpers';

let stack: Stack;
let url: string;
let n = 0;

beforeAll(async () => {
  stack = await startStack();
  url = stack.api.url;
});
afterAll(async () => {
  await stack?.stop();
});

async function deposit(a: Account, asset: string, amount: string): Promise<void> {
  const res = await http('POST', `${url}/api/v1/admin/deposits`, { account_id: a.accountId, asset, amount, tx_id: `funds-${process.pid}-${++n}` }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  expect(res.status).toBe(200);
}

type Balances = Record<string, { available: number; locked: number }>;
async function balancesOf(a: Account): Promise<Balances> {
  const res = await signedHttp(a, 'GET', `${url}/api/v1/account`);
  return Object.fromEntries((res.body.balances as { asset: string; available: number; locked: number }[]).map((b) => [b.asset, { available: b.available, locked: b.locked }]));
}
const order = (a: Account, body: object, query = '') => signedHttp(a, 'POST', `${url}/api/v1/order${query}`, body);
const btcKrw = (side: 'Buy' | 'Sell', price: string, quantity: string, extra: object = {}) => ({ symbol: 'BTC-KRW', side, type: 'Limit', price, quantity, ...extra });

test('an unfunded order is 400 INSUFFICIENT_FUNDS and reaches no symbol; a funded one is 202 and locks its funds', async () => {
  const poor = await newAccount(url, { funded: false });
  const before = await commandLengths(stack);
  const refused = await order(poor, btcKrw('Buy', '50000000', '0.1'));
  expect(refused.status).toBe(400);
  expect(refused.body).toEqual({ error: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('available is 0') });
  expect(await commandLengths(stack)).toEqual(before);

  await deposit(poor, 'KRW', '5005000');
  const placed = await order(poor, btcKrw('Buy', '50000000', '0.1'));
  expect(placed.status).toBe(202);
  expect(placed.body).toEqual({ order_id: expect.any(String), status: 'ACCEPTED' });
  // 0.1 x 50,000,000 plus the taker fee of 0.1%: all of it.
  expect((await balancesOf(poor)).KRW).toEqual({ available: 0, locked: 5005000 });
});

test('place, partial fill, cancel: every balance exact to the unit, fees included, nothing locked', async () => {
  const [seller, buyer] = await Promise.all([newAccount(url, { funded: false }), newAccount(url, { funded: false })]);
  await deposit(seller, 'BTC', '1');
  await deposit(buyer, 'KRW', '30000000');
  const ask = await order(seller, btcKrw('Sell', '60000000', '0.5'), '?wait=true');
  expect(ask.body).toMatchObject({ status: 'NEW' });
  expect((await balancesOf(seller)).BTC).toEqual({ available: 0.5, locked: 0.5 });

  // The buyer bids above the ask: it locks 0.2 x 61,000,000 + 0.1% (12,212,200), fills as taker
  // at 60,000,000 and pays 12,000,000 + 12,000; the rest of its hold returns.
  const bid = await order(buyer, btcKrw('Buy', '61000000', '0.2'), '?wait=true');
  expect(bid.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.2 });
  const cancel = await signedHttp(seller, 'DELETE', `${url}/api/v1/order/${ask.body.order_id}?wait=true`);
  expect(cancel.status).toBe(200);

  // The seller was maker: 12,000,000 - 0.05% (6,000). Its unsold 0.3 BTC returns on the cancel.
  const expected: [Account, Balances][] = [
    [buyer, { KRW: { available: 17988000, locked: 0 }, BTC: { available: 0.2, locked: 0 } }],
    [seller, { KRW: { available: 11994000, locked: 0 }, BTC: { available: 0.8, locked: 0 } }],
  ];
  for (const [account, want] of expected) {
    await waitFor('the trade and the cancel to be settled', async () => {
      const b = await balancesOf(account);
      return b.KRW!.available === want.KRW!.available && b.BTC!.locked === 0 && b.KRW!.locked === 0;
    }, { intervalMs: 20 });
    expect(await balancesOf(account)).toMatchObject(want);
  }
  // The only trade of this exchange so far: both fees went to the fee account, nothing more.
  const fees = await http('GET', `${url}/api/v1/admin/fees`, undefined, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  expect(fees.body.fees).toEqual(expect.arrayContaining([{ asset: 'KRW', amount: '18000' }, { asset: 'BTC', amount: '0' }]));
});

test('a client_order_id retry gets the first order and locks nothing more; other content is 409', async () => {
  const a = await newAccount(url, { funded: false });
  await deposit(a, 'BTC', '1');
  const body = btcKrw('Sell', '90000000', '0.3', { client_order_id: 'once' });
  const first = await order(a, body);
  expect(first.status).toBe(202);
  const again = await order(a, body);
  expect(again.status).toBe(202);
  expect(again.body).toEqual(first.body);
  expect((await balancesOf(a)).BTC).toEqual({ available: 0.7, locked: 0.3 });
  const other = await order(a, { ...body, quantity: '0.4' });
  expect(other.status).toBe(409);
  expect(other.body.error).toBe('DUPLICATE_CLIENT_ORDER_ID');
  expect((await balancesOf(a)).BTC).toEqual({ available: 0.7, locked: 0.3 });
});

test('an amend locks what it adds; one the account cannot fund is 400 INSUFFICIENT_FUNDS and the order stays', async () => {
  const a = await newAccount(url, { funded: false });
  await deposit(a, 'BTC', '1');
  const placed = await order(a, btcKrw('Sell', '95000000', '0.3'), '?wait=true');
  expect(placed.body.status).toBe('NEW');
  const id = placed.body.order_id as string;
  const up = await signedHttp(a, 'POST', `${url}/api/v1/order/amend`, { order_id: id, quantity: '0.6' });
  expect(up.status).toBe(200);
  expect(up.body).toMatchObject({ order_id: id, quantity: 0.6 });
  expect((await balancesOf(a)).BTC).toEqual({ available: 0.4, locked: 0.6 });
  const before = await commandLengths(stack);
  const tooMuch = await signedHttp(a, 'POST', `${url}/api/v1/order/amend`, { order_id: id, quantity: '1.5' });
  expect(tooMuch.status).toBe(400);
  expect(tooMuch.body.error).toBe('INSUFFICIENT_FUNDS');
  expect(await commandLengths(stack)).toEqual(before);
  expect((await signedHttp(a, 'GET', `${url}/api/v1/order/${id}`)).body).toMatchObject({ quantity: 0.6, status: 'NEW' });
});

test('no ledger answer in time: 504 TIMEOUT with the order id, and the order is placed once the ledger is back', async () => {
  const a = await newAccount(url, { funded: false });
  await deposit(a, 'BTC', '1');
  const impatient = await anotherNode(stack, { ledger: { shardCount: TEST_LEDGER_SHARDS, answerTimeoutMs: 200 } });
  const revived = new LedgerWriters(stack.redisServer.url, stack.prefix, TEST_LEDGER_SHARDS);
  try {
    await stack.ledger!.stop();
    const late = await signedHttp(a, 'POST', `${impatient.url}/api/v1/order`, btcKrw('Sell', '97000000', '0.1'));
    expect(late.status).toBe(504);
    expect(late.body).toEqual({ error: 'TIMEOUT', message: expect.stringContaining('ledger'), order_id: expect.any(String) });
    revived.start();
    await waitFor('the order to be placed', async () => (await signedHttp(a, 'GET', `${url}/api/v1/order/${late.body.order_id}`)).body.status === 'NEW', { intervalMs: 50 });
    expect((await balancesOf(a)).BTC).toEqual({ available: 0.9, locked: 0.1 });
  } finally {
    await revived.stop();
    await impatient.close();
  }
});
