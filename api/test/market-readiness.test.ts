/**
 * One symbol's engine stops: every api node stays ready (it is not taken out of the balancer)
 * and reports that engine separately; the other markets trade on. Orders for the stopped market
 * are accepted and queued while a standby may still take over (the grace), then refused with a
 * clear 503 MARKET_UNAVAILABLE that appends nothing; when an engine is back the queued orders
 * are applied and the market accepts orders again.
 */
import { createLogger, waitFor } from '@xtrader/platform';
import { symbolKeys } from '@xtrader/protocol';
import type { RunningApi } from '../src/app';
import { SymbolRunner } from '../../engine/src/runner';
import { anotherNode, http, signedHttp, startStack, type Stack } from './helpers';

let stack: Stack;
/** A second api node with a short grace: it gives up on a silent market quickly. */
let impatient: RunningApi;

beforeAll(async () => {
  stack = await startStack({ marketHealth: { checkMs: 100, graceMs: 60_000 } });
  impatient = await anotherNode(stack, {
    marketHealth: { checkMs: 100, graceMs: 300 },
  });
}, 30_000);
afterAll(async () => {
  await impatient?.close();
  await stack?.stop();
});

const btc = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '40000000', quantity: '0.01' };
const eth = { symbol: 'ETH-KRW', side: 'Buy', type: 'Limit', price: '1000000', quantity: '0.01' };

test('a stopped engine takes only its own market out, never the api node', async () => {
  await waitFor('every engine to report', async () => {
    const r = await http('GET', `${stack.api.url}/readyz`);
    return Object.values(r.body.engines ?? {}).every((e) => (e as { alive: boolean }).alive) ? true : undefined;
  });
  const runner = stack.runners.find((r) => r.symbol === 'BTC-KRW')!;
  await runner.stop();
  const commands = () => stack.redis.xlen(symbolKeys('BTC-KRW', stack.prefix).commands);

  for (const node of [stack.api.url, impatient.url]) {
    const ready = await waitFor('readyz to report the stopped engine', async () => {
      const r = await http('GET', `${node}/readyz`);
      return r.body.engines?.['BTC-KRW']?.alive === false ? r : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', redis: 'up', engines: { 'BTC-KRW': { alive: false }, 'ETH-KRW': { alive: true } } });
    expect((await signedHttp(stack.account, 'POST', `${node}/api/v1/order?wait=true`, eth)).status).toBe(200);
  }

  // Within the grace the order is accepted and waits in the market's durable queue.
  const queued = await signedHttp(stack.account, 'POST', `${stack.api.url}/api/v1/order`, btc);
  expect(queued.status).toBe(202);

  // Past the grace: a clear refusal, nothing appended.
  const refused = await waitFor('the impatient node to refuse orders for the stopped market', async () => {
    const r = await signedHttp(stack.account, 'POST', `${impatient.url}/api/v1/order`, btc);
    return r.status === 202 ? undefined : r;
  });
  expect(refused.status).toBe(503);
  expect(refused.body).toEqual({ error: 'MARKET_UNAVAILABLE', message: expect.stringMatching(/BTC-KRW.*nothing was appended/) });
  const before = await commands();
  expect((await signedHttp(stack.account, 'POST', `${impatient.url}/api/v1/order`, btc)).status).toBe(503);
  expect(await commands()).toBe(before);
  const ready = await http('GET', `${impatient.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(ready.body.engines['BTC-KRW']).toMatchObject({ alive: false, accepting_orders: false });

  // An engine takes the market again: the queued order is applied, orders are accepted again.
  const standby = new SymbolRunner({ spec: stack.markets.get('BTC-KRW')!, redisUrl: stack.redisServer.url, prefix: stack.prefix, engineId: 'test-BTC-KRW-standby', log: createLogger('test', 'silent'), leaseMs: 1500, blockMs: 100 });
  void standby.start();
  stack.runners.push(standby);
  await standby.whenLeader();
  const applied = await waitFor('the queued order to be applied', async () => {
    const r = await signedHttp(stack.account, 'GET', `${stack.api.url}/api/v1/order/${queued.body.order_id}`);
    return r.body.status === 'NEW' ? r : undefined;
  });
  expect(applied.body.status).toBe('NEW');
  await waitFor('the market to accept orders again', async () => ((await signedHttp(stack.account, 'POST', `${impatient.url}/api/v1/order`, btc)).status === 202 ? true : undefined));
}, 60_000);
