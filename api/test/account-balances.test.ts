/**
 * `GET /api/v1/account` shows the account's committed balances, per asset available and locked
 * (every asset of the listed markets, zeros included), and the Binance dialect's `GET
 * /api/v3/account` (read by CCXT's fetchBalance) shows the same.
 */
import { http, newAccount, signedHttp, startStack, TEST_ADMIN_TOKEN, type Account, type Stack } from './helpers';
import { binanceClient } from './support/binance-client';

let stack: Stack;
let n = 0;

beforeAll(async () => {
  stack = await startStack({ engines: false });
});
afterAll(async () => {
  await stack.stop();
});

async function deposit(a: Account, asset: string, amount: string): Promise<void> {
  const res = await http('POST', `${stack.api.url}/api/v1/admin/deposits`, { account_id: a.accountId, asset, amount, tx_id: `bal-${process.pid}-${++n}` }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  expect(res.status).toBe(200);
}

const balancesOf = async (a: Account) => (await signedHttp(a, 'GET', `${stack.api.url}/api/v1/account`)).body.balances as { asset: string; available: number; locked: number }[];

test('a new account has every asset of the listed markets at zero', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  expect(await balancesOf(a)).toEqual(['AAPL', 'BTC', 'ETH', 'KRW', 'USD'].map((asset) => ({ asset, available: 0, locked: 0 })));
});

test('deposits and a lock show as available and locked, in both dialects', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  await deposit(a, 'KRW', '1234567.89');
  await deposit(a, 'BTC', '1.5');
  // A Sell of 0.25 BTC locked through the account's shard, as the order path does.
  const lock = await stack.api.api.ledger.ask({
    kind: 'lock',
    request_id: `lock-${++n}`,
    lock: { v: 1, kind: 'lock', order_id: `o-${n}`, account_id: a.accountId, symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price_ticks: 50_000, qty_lots: 2500, quote_quantity: null },
    place: { v: 1, kind: 'place', order_id: `o-${n}`, account_id: a.accountId, side: 'Sell', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 2500 },
  });
  expect(lock).toMatchObject({ ok: true });
  const balances = await balancesOf(a);
  expect(balances).toEqual(
    expect.arrayContaining([
      { asset: 'KRW', available: 1234567.89, locked: 0 },
      { asset: 'BTC', available: 1.25, locked: 0.25 },
      { asset: 'ETH', available: 0, locked: 0 },
    ]),
  );
  const ccxt = await binanceClient(stack.api.url, a).fetchBalance();
  for (const b of balances) expect(ccxt[b.asset]).toMatchObject({ free: b.available, used: b.locked, total: b.available + b.locked });
  expect(ccxt.BTC).toMatchObject({ free: 1.25, used: 0.25 });
});
