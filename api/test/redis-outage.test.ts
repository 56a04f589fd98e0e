/**
 * Redis goes away: the api answers 503 at once (nothing half-written) and says it is not ready;
 * Redis comes back from its append-only file: every order accepted before is still there and
 * the engines carry on from their committed position.
 */
import { waitFor } from '@xtrader/platform';
import { http, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
/** Buys come from a second account: one account's orders never trade with each other (self-trade prevention). */
let buyer: Account;
beforeAll(async () => {
  stack = await startStack({ appendOnly: true });
  buyer = await newAccount(stack.api.url);
});
afterAll(async () => {
  await stack?.stop();
});

test('Redis down -> 503 SERVICE_UNAVAILABLE; Redis back (AOF) -> nothing accepted is lost', async () => {
  const base = `${stack.api.url}/api/v1`;
  const accepted: { id: string; owner: Account }[] = [];
  for (let i = 0; i < 40; i++) {
    const side = i % 2 ? 'Buy' : 'Sell';
    const owner = side === 'Buy' ? buyer : stack.account;
    const res = await signedHttp(owner, 'POST', `${base}/order`, { symbol: 'BTC-KRW', side, type: 'Limit', price: 50_000_000 + (i % 4) * 1000, quantity: 0.1 });
    expect(res.status).toBe(202);
    accepted.push({ id: res.body.order_id, owner });
  }
  await stack.redisServer.stop();

  const down = await signedHttp(stack.account, 'POST', `${base}/order`, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.1 });
  expect(down.status).toBe(503);
  expect(down.body).toEqual({ error: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
  expect((await signedHttp(stack.account, 'GET', `${base}/order/${accepted[0]!.id}`)).status).toBe(503);
  expect((await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: accepted[0]!.id })).status).toBe(503);
  const ready = await http('GET', `${stack.api.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.body.redis).toBe('down');
  expect((await http('GET', `${stack.api.url}/healthz`)).status).toBe(200);

  await stack.redisServer.start();
  // The api reconnects on its own; the first accepted order after that proves it.
  const after = await waitFor('the api to reconnect', async () => {
    const r = await signedHttp(buyer, 'POST', `${base}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Buy', type: 'Market', quantity: 0.1 });
    return r.status === 503 ? undefined : r;
  });
  expect(after.status).toBe(200);

  // Every order accepted before the outage survived and was applied by the engine.
  for (const { id, owner } of accepted) {
    const got = await waitFor(`order ${id} to be applied`, async () => {
      const r = await signedHttp(owner, 'GET', `${base}/order/${id}`);
      return r.status === 200 && r.body.status !== 'ACCEPTED' ? r : undefined;
    });
    expect(['NEW', 'PARTIALLY_FILLED', 'FILLED']).toContain(got.body.status);
  }
  // Every symbol's engine reconnects and reports again (each on its own next read).
  // (waitFor throws if /readyz is not 200 in time: that is the assertion).
  await waitFor('every engine to be ready again', async () => {
    const r = await http('GET', `${stack.api.url}/readyz`);
    return r.status === 200 && Object.values(r.body.engines).every((e) => (e as { alive: boolean }).alive) ? true : undefined;
  });
}, 60_000);
