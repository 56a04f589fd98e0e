/**
 * The operator's deposits, withdrawals and fee report (SPEC §7) on a real stack: idempotent per
 * tx_id across every shard, a withdrawal only from available, every bad input a clear error that
 * changes nothing (no balance, no shard command, no claim), and no admin route at all without
 * XT_ADMIN_TOKEN.
 */
import { balanceField, decodeBalance, ledgerShardKeys, transferKeys } from '@xtrader/protocol';
import { anotherNode, http, newAccount, startStack, TEST_ADMIN_TOKEN, TEST_LEDGER_SHARDS, type Account, type Stack } from './helpers';

let stack: Stack;
let n = 0;
const txId = () => `tx-${process.pid}-${++n}`;

const admin = (path: string, body?: unknown, token = TEST_ADMIN_TOKEN, url = stack.api.url) =>
  http(body === undefined ? 'GET' : 'POST', `${url}/api/v1/admin/${path}`, body, token ? { authorization: `Bearer ${token}` } : {});
const deposit = (body: Record<string, unknown>) => admin('deposits', body);
const withdraw = (body: Record<string, unknown>) => admin('withdrawals', body);

/** The committed balance of `account` in `asset` ("available:locked" units), undefined when none. */
async function stored(account: Account, asset: string): Promise<string | undefined> {
  for (let shard = 0; shard < TEST_LEDGER_SHARDS; shard++) {
    const v = await stack.redis.hget(ledgerShardKeys(shard, stack.prefix).balances, balanceField(account.accountId, asset));
    if (v !== null) {
      const b = decodeBalance(balanceField(account.accountId, asset), v);
      return `${b.available}:${b.locked}`;
    }
  }
  return undefined;
}

/** Everything a transfer could write: every shard's command stream and balances, and the claims. */
async function ledgerState() {
  const shards = [];
  for (let shard = 0; shard < TEST_LEDGER_SHARDS; shard++) {
    const keys = ledgerShardKeys(shard, stack.prefix);
    shards.push({ commands: await stack.redis.xlen(keys.commands), balances: await stack.redis.hgetall(keys.balances) });
  }
  return { shards, claims: (await stack.redis.keys(transferKeys(stack.prefix).claim('*'))).sort() };
}

beforeAll(async () => {
  stack = await startStack({ engines: false });
});
afterAll(async () => {
  await stack.stop();
});

test('a deposit answers with the balance after it; a withdrawal takes from available', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  const dep = await deposit({ account_id: a.accountId, asset: 'KRW', amount: '1000000.5', tx_id: txId() });
  expect(dep).toMatchObject({ status: 200, body: { kind: 'deposit', account_id: a.accountId, asset: 'KRW', amount: '1000000.5', available: '1000000.5', locked: '0' } });
  const wd = await withdraw({ account_id: a.accountId, asset: 'KRW', amount: 0.5, tx_id: txId() });
  expect(wd).toMatchObject({ status: 200, body: { kind: 'withdrawal', amount: '0.5', available: '1000000', locked: '0' } });
  expect(await stored(a, 'KRW')).toBe('100000000:0');
});

test('a replayed tx_id with the same content gets the first answer and moves nothing again, "1" and "1.0" alike', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  const tx = txId();
  const first = await deposit({ account_id: a.accountId, asset: 'BTC', amount: '1', tx_id: tx });
  await deposit({ account_id: a.accountId, asset: 'BTC', amount: '2', tx_id: txId() });
  const again = await deposit({ account_id: a.accountId, asset: 'BTC', amount: '1.0', tx_id: tx });
  expect(again).toMatchObject({ status: 200, body: first.body });
  expect(first.body.available).toBe('1');
  expect(await stored(a, 'BTC')).toBe(`${3n * 10n ** 8n}:0`);
});

test.each([
  ['another amount', { amount: '2' }],
  ['another asset', { asset: 'ETH' }],
  ['a withdrawal', { kind: 'withdrawal' }],
  ['another account (on any shard)', { other: true }],
])('the same tx_id with %s is 409 TX_ID_CONFLICT and changes nothing', async (_name, change: Record<string, unknown>) => {
  const a = await newAccount(stack.api.url, { funded: false });
  const b = await newAccount(stack.api.url, { funded: false });
  const tx = txId();
  await deposit({ account_id: a.accountId, asset: 'BTC', amount: '1', tx_id: tx });
  const before = await ledgerState();
  const body = { account_id: change.other ? b.accountId : a.accountId, asset: change.asset ?? 'BTC', amount: change.amount ?? '1', tx_id: tx };
  const res = change.kind === 'withdrawal' ? await withdraw(body) : await deposit(body);
  expect(res).toMatchObject({ status: 409, body: { error: 'TX_ID_CONFLICT', message: expect.stringContaining(tx) } });
  expect(await ledgerState()).toEqual(before);
});

test('a withdrawal over available is 400 INSUFFICIENT_FUNDS, changes no balance, and its tx_id may be used again', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  await deposit({ account_id: a.accountId, asset: 'ETH', amount: '1', tx_id: txId() });
  const tx = txId();
  const over = await withdraw({ account_id: a.accountId, asset: 'ETH', amount: '1.00000001', tx_id: tx });
  expect(over).toMatchObject({ status: 400, body: { error: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('available 1 ETH') } });
  expect(await stored(a, 'ETH')).toBe(`${10n ** 8n}:0`);
  expect(await stack.redis.exists(transferKeys(stack.prefix).claim(tx))).toBe(0);
  expect(await withdraw({ account_id: a.accountId, asset: 'ETH', amount: '0.25', tx_id: tx })).toMatchObject({ status: 200, body: { available: '0.75' } });
});

describe('every bad input is refused with its code and changes nothing', () => {
  let a: Account;
  beforeAll(async () => {
    a = await newAccount(stack.api.url, { funded: false });
  });
  const good = () => ({ account_id: a.accountId, asset: 'KRW', amount: '10', tx_id: txId() });
  test.each([
    ['a negative amount', { amount: '-10' }, 400, 'INVALID_AMOUNT'],
    ['a negative JSON number', { amount: -10 }, 400, 'INVALID_AMOUNT'],
    ['a zero amount', { amount: '0' }, 400, 'INVALID_AMOUNT'],
    ['an amount finer than the asset unit', { amount: '0.001' }, 400, 'INVALID_AMOUNT'],
    ['an amount that is not a decimal', { amount: '1e3' }, 400, 'INVALID_AMOUNT'],
    ['an amount of another type', { amount: true }, 400, 'INVALID_AMOUNT'],
    ['no amount', { amount: undefined }, 400, 'INVALID_AMOUNT'],
    ['an unknown asset', { asset: 'DOGE' }, 400, 'ASSET_NOT_FOUND'],
    ['an unknown account', { account_id: 'no-such-account' }, 404, 'ACCOUNT_NOT_FOUND'],
    ['no tx_id', { tx_id: undefined }, 400, 'INVALID_REQUEST'],
    ['a tx_id with spaces', { tx_id: 'a b' }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { memo: 'x' }, 400, 'INVALID_REQUEST'],
  ])('%s', async (_name, change: Record<string, unknown>, status, code) => {
    const before = await ledgerState();
    for (const send of [deposit, withdraw]) {
      const res = await send({ ...good(), ...change });
      expect(res).toMatchObject({ status, body: { error: code, message: expect.any(String) } });
    }
    expect(await ledgerState()).toEqual(before);
  });
  test('a body that is not an object', async () => {
    const before = await ledgerState();
    expect(await admin('deposits', '[1]')).toMatchObject({ status: 400, body: { error: 'INVALID_REQUEST' } });
    expect(await ledgerState()).toEqual(before);
  });
});

test.each([
  ['no token', ''],
  ['a wrong token', 'not-the-token'],
  ['a token one character short', TEST_ADMIN_TOKEN.slice(0, -1)],
])('with %s every admin route is 401 UNAUTHENTICATED and nothing moves', async (_name, token) => {
  const a = await newAccount(stack.api.url, { funded: false });
  const before = await ledgerState();
  expect(await admin('deposits', { account_id: a.accountId, asset: 'KRW', amount: '1', tx_id: txId() }, token)).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
  expect(await admin('withdrawals', { account_id: a.accountId, asset: 'KRW', amount: '1', tx_id: txId() }, token)).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
  expect(await admin('fees', undefined, token)).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
  expect(await ledgerState()).toEqual(before);
});

test('a node without XT_ADMIN_TOKEN has no admin routes: 404 with any token', async () => {
  const node = await anotherNode(stack, { admin: {} });
  try {
    const a = await newAccount(stack.api.url, { funded: false });
    const before = await ledgerState();
    for (const token of [TEST_ADMIN_TOKEN, '']) {
      expect(await admin('deposits', { account_id: a.accountId, asset: 'KRW', amount: '1', tx_id: txId() }, token, node.url)).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
      expect(await admin('fees', undefined, token, node.url)).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
    }
    expect(await ledgerState()).toEqual(before);
  } finally {
    await node.close();
  }
});

test('the fee report sums every shard per asset, at each asset precision, zeros included', async () => {
  expect((await admin('fees')).body.fees).toEqual(expect.arrayContaining([{ asset: 'KRW', amount: '0' }, { asset: 'AAPL', amount: '0' }]));
  // The shards' committed fee totals, as their writers commit them after settling trades.
  await stack.redis.hset(ledgerShardKeys(0, stack.prefix).fees, 'KRW', '1250');
  await stack.redis.hset(ledgerShardKeys(1, stack.prefix).fees, 'KRW', '75', 'BTC', '3');
  const fees = await admin('fees');
  expect(fees.status).toBe(200);
  expect(fees.body.fees).toEqual(expect.arrayContaining([{ asset: 'KRW', amount: '13.25' }, { asset: 'BTC', amount: '0.00000003' }, { asset: 'ETH', amount: '0' }]));
});
