/**
 * The demo faucet (XT_FAUCET=on): a signed-in account takes the configured demo balance through
 * the same transfer path as the admin deposits, once per clock hour (a second call: 429
 * FAUCET_USED, nothing moves); off, the route does not exist.
 */
import { loadExchangeConfig } from '@xtrader/protocol/node';
import type { RunningApi } from '../src/app';
import { parseFaucetAmounts } from '../src/ledger/faucet';
import { anotherNode, bearerHttp, http, newAccount, signedHttp, startStack, type Stack } from './helpers';

let stack: Stack;
let faucetNode: RunningApi;
/** The faucet's clock: fixed, so no test runs across an hour boundary by chance. */
let clock = Date.UTC(2026, 0, 1, 10, 0, 0);

beforeAll(async () => {
  stack = await startStack({ engines: false });
  faucetNode = await anotherNode(stack, { admin: { faucet: true, faucetAmounts: 'KRW=1000000.5,BTC=0.5', faucetClock: () => clock } });
});
afterAll(async () => {
  await faucetNode.close();
  await stack.stop();
});

const balances = async (url: string, a: Awaited<ReturnType<typeof newAccount>>) =>
  ((await signedHttp(a, 'GET', `${url}/api/v1/account`)).body.balances as { asset: string; available: number }[]).filter((b) => b.available !== 0);

test('the faucet deposits its amounts once per hour; a second call in the hour is 429 FAUCET_USED (Retry-After) and moves nothing', async () => {
  const a = await newAccount(faucetNode.url, { funded: false });
  expect(await http('GET', `${faucetNode.url}/api/v1/faucet`, undefined, { authorization: `Bearer ${a.token}` })).toMatchObject({
    status: 200,
    body: { amounts: [{ asset: 'KRW', amount: '1000000.5' }, { asset: 'BTC', amount: '0.5' }] },
  });
  const first = await bearerHttp(a, 'POST', `${faucetNode.url}/api/v1/faucet`, {});
  expect(first).toMatchObject({ status: 200, body: { deposits: [{ asset: 'KRW', amount: '1000000.5', available: '1000000.5' }, { asset: 'BTC', amount: '0.5', available: '0.5' }] } });
  expect(first.body.next_at).toBe(Date.UTC(2026, 0, 1, 11, 0, 0));
  expect(await balances(faucetNode.url, a)).toEqual([
    { asset: 'BTC', available: 0.5, locked: 0 },
    { asset: 'KRW', available: 1000000.5, locked: 0 },
  ]);

  const again = await bearerHttp(a, 'POST', `${faucetNode.url}/api/v1/faucet`, {});
  expect(again).toMatchObject({ status: 429, body: { error: 'FAUCET_USED', message: expect.stringContaining('already used this hour') } });
  clock += 59 * 60_000;
  const later = await bearerHttp(a, 'POST', `${faucetNode.url}/api/v1/faucet`, {});
  expect(later).toMatchObject({ status: 429, body: { error: 'FAUCET_USED', message: expect.stringContaining('2026-01-01T11:00:00.000Z') } });
  expect(later.headers.get('retry-after')).toBe('60');
  expect(await balances(faucetNode.url, a)).toEqual([
    { asset: 'BTC', available: 0.5, locked: 0 },
    { asset: 'KRW', available: 1000000.5, locked: 0 },
  ]);

  // The next hour, the faucet gives again.
  clock += 60_000;
  expect(await bearerHttp(a, 'POST', `${faucetNode.url}/api/v1/faucet`, {})).toMatchObject({ status: 200, body: { deposits: [{ available: '2000001' }, { available: '1' }] } });
});

test('each account has its own hour: another account still gets the faucet', async () => {
  const b = await newAccount(faucetNode.url, { funded: false });
  expect((await signedHttp(b, 'POST', `${faucetNode.url}/api/v1/faucet`, {})).status).toBe(200);
});

test('the faucet needs a signed-in account', async () => {
  expect(await http('POST', `${faucetNode.url}/api/v1/faucet`, {})).toMatchObject({ status: 401, body: { error: 'UNAUTHENTICATED' } });
});

test('with XT_FAUCET off the faucet routes answer 404 and nothing moves', async () => {
  const a = await newAccount(stack.api.url, { funded: false });
  expect(await bearerHttp(a, 'POST', `${stack.api.url}/api/v1/faucet`, {})).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
  expect(await bearerHttp(a, 'GET', `${stack.api.url}/api/v1/faucet`)).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
  expect(await balances(stack.api.url, a)).toEqual([]);
});

test.each([
  ['an unknown asset', 'DOGE=1'],
  ['an amount finer than the unit', 'KRW=0.001'],
  ['a negative amount', 'BTC=-1'],
  ['no amount', 'BTC'],
  ['an asset twice', 'BTC=1,BTC=2'],
  ['nothing', ''],
])('XT_FAUCET_AMOUNTS with %s is refused at boot', (_name, text) => {
  expect(() => parseFaucetAmounts(text, loadExchangeConfig().assets)).toThrow(/XT_FAUCET_AMOUNTS/);
});
