/**
 * An answer means its funds are there. The engine commits a cancel or a trade first and the
 * account's ledger shard releases or settles the funds after it; an api that answered between
 * the two would tell a bot "cancelled" while the funds stay locked, and its next order (placed
 * with them) would be refused. So a cancel, a cancel-all and a waited-for order that traded are
 * answered once the account's shard applied them. The shard is held back here (its writer
 * stopped until the engine has committed), so the gap between the two is wide.
 */
import { waitFor } from '@xtrader/platform';
import { http, LedgerWriters, newAccount, signedHttp, startStack, TEST_ADMIN_TOKEN, TEST_LEDGER_SHARDS, type Account, type Answer, type Stack } from './helpers';

let stack: Stack;
let url: string;
let ledger: LedgerWriters;
let n = 0;

beforeAll(async () => {
  stack = await startStack();
  url = stack.api.url;
  ledger = stack.ledger!;
});
afterAll(async () => {
  await ledger?.stop();
  await stack?.stop();
});

async function deposit(a: Account, asset: string, amount: string): Promise<void> {
  const res = await http('POST', `${url}/api/v1/admin/deposits`, { account_id: a.accountId, asset, amount, tx_id: `settled-${process.pid}-${++n}` }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  expect(res.status).toBe(200);
}
async function balanceOf(a: Account, asset: string): Promise<{ available: number; locked: number }> {
  const res = await signedHttp(a, 'GET', `${url}/api/v1/account`);
  const b = (res.body.balances as { asset: string; available: number; locked: number }[]).find((x) => x.asset === asset)!;
  return { available: b.available, locked: b.locked };
}
const btcKrw = (side: 'Buy' | 'Sell', price: string, quantity: string) => ({ symbol: 'BTC-KRW', side, type: 'Limit', price, quantity });
const statusOf = async (a: Account, id: string) => (await signedHttp(a, 'GET', `${url}/api/v1/order/${id}`)).body.status as string;

/**
 * Sends `request` with the ledger writers stopped, lets the engine commit what it asked for
 * (`committed` says when), then brings the writers back: the answer of `request`.
 */
async function withLedgerHeldBack(request: () => Promise<Answer>, committed: () => Promise<boolean>): Promise<Answer> {
  await ledger.stop();
  const answer = request();
  await waitFor('the engine to commit the request', committed, { intervalMs: 20 });
  ledger = new LedgerWriters(stack.redisServer.url, stack.prefix, TEST_LEDGER_SHARDS);
  ledger.start();
  return answer;
}

test('right after a cancel is answered, nothing stays locked and the freed funds place the next order', async () => {
  const a = await newAccount(url, { funded: false });
  // Exactly one order's worth: 0.1 x 50,000,000 plus the taker fee of 0.1%.
  await deposit(a, 'KRW', '5005000');
  const placed = await signedHttp(a, 'POST', `${url}/api/v1/order?wait=true`, btcKrw('Buy', '50000000', '0.1'));
  expect(placed.body.status).toBe('NEW');
  const id = placed.body.order_id as string;

  const cancel = await withLedgerHeldBack(
    () => signedHttp(a, 'DELETE', `${url}/api/v1/order/${id}`),
    async () => (await statusOf(a, id)) === 'CANCELLED',
  );
  expect(cancel.status).toBe(200);
  expect(await balanceOf(a, 'KRW')).toEqual({ available: 5005000, locked: 0 });
  const next = await signedHttp(a, 'POST', `${url}/api/v1/order`, btcKrw('Buy', '50000000', '0.1'));
  expect(next.status).toBe(202);
});

test('right after a cancel-all is answered, every order it cancelled has released its funds', async () => {
  const a = await newAccount(url, { funded: false });
  await deposit(a, 'BTC', '0.5');
  const ids: string[] = [];
  for (const price of ['90000000', '91000000', '92000000']) {
    const r = await signedHttp(a, 'POST', `${url}/api/v1/order?wait=true`, btcKrw('Sell', price, '0.1'));
    expect(r.body.status).toBe('NEW');
    ids.push(r.body.order_id as string);
  }
  expect(await balanceOf(a, 'BTC')).toEqual({ available: 0.2, locked: 0.3 });

  const all = await withLedgerHeldBack(
    () => signedHttp(a, 'DELETE', `${url}/api/v1/orders?symbol=BTC-KRW`),
    async () => (await Promise.all(ids.map((id) => statusOf(a, id)))).every((s) => s === 'CANCELLED'),
  );
  expect(all.status).toBe(200);
  expect(await balanceOf(a, 'BTC')).toEqual({ available: 0.5, locked: 0 });
});

test('right after a waited-for buy is answered FILLED, the bought base can be sold', async () => {
  const [seller, buyer] = await Promise.all([newAccount(url, { funded: false }), newAccount(url, { funded: false })]);
  await deposit(seller, 'BTC', '0.2');
  await deposit(buyer, 'KRW', '20000000');
  const ask = await signedHttp(seller, 'POST', `${url}/api/v1/order?wait=true`, btcKrw('Sell', '60000000', '0.2'));
  expect(ask.body.status).toBe('NEW');

  const bid = await signedHttp(buyer, 'POST', `${url}/api/v1/order?wait=true`, btcKrw('Buy', '60000000', '0.2'));
  expect(bid.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.2 });
  expect(await balanceOf(buyer, 'BTC')).toEqual({ available: 0.2, locked: 0 });
  const resell = await signedHttp(buyer, 'POST', `${url}/api/v1/order`, btcKrw('Sell', '99000000', '0.2'));
  expect(resell.status).toBe(202);
});

test('an idle ledger writer settles as soon as an engine commits, not when its own next command comes', async () => {
  // A writer that blocks on its command stream far longer than the cancel's timeout: only the
  // engine's commit can wake it in time to release the funds.
  await ledger.stop();
  ledger = new LedgerWriters(stack.redisServer.url, stack.prefix, TEST_LEDGER_SHARDS, undefined, { blockMs: 600_000 });
  ledger.start();
  await ledger.whenLeading();
  const a = await newAccount(url, { funded: false });
  await deposit(a, 'KRW', '5005000');
  const placed = await signedHttp(a, 'POST', `${url}/api/v1/order?wait=true`, btcKrw('Buy', '50000000', '0.1'));
  expect(placed.body.status).toBe('NEW');

  const cancel = await signedHttp(a, 'DELETE', `${url}/api/v1/order/${placed.body.order_id}`);
  expect(cancel.status).toBe(200);
  expect(await balanceOf(a, 'KRW')).toEqual({ available: 5005000, locked: 0 });
});
