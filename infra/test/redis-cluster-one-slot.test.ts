/**
 * Reading and cancelling an order touch only its own symbol's slot: on a real Redis Cluster, with
 * the primary that serves another symbol's slot down, the order of the symbol that is still
 * served answers its GET and its cancel, in both dialects.
 *
 * The down primary stays down for the whole test: its replica is told not to take over and the
 * cluster keeps serving the slots it still has (`cluster-require-full-coverage no`). That is the
 * window between a primary's crash and its replica's promotion (cluster-node-timeout plus an
 * election), held open so that nothing in the test races the failover.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisCluster, waitFor } from '@xtrader/platform';
import { accountKeys, symbolKeys, type OrderView } from '@xtrader/protocol';
import { ApiClient } from '../src/api-client';
import { startStack, type Stack } from '../src/stack';
import { binanceSigned } from '../../api/test/support/binance-client';
import { loadMarketMap } from '@xtrader/protocol/node';
import { getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

/** Every configured symbol. */
const configured = [...loadMarketMap().keys()];
/**
 * The symbol whose order is read and cancelled: the last one listed, so that a lookup going
 * through the symbols in their order meets the down one before it.
 */
const SERVED = configured[configured.length - 1];
/** A symbol listed before SERVED on another primary than SERVED's: that primary goes down. */
let OTHER: string | undefined;
/** SERVED under its Binance name (base and quote run together). */
const BINANCE_NAME = ((c) => `${c.base}${c.quote}`)(loadMarketMap().get(SERVED)!.config);

let cluster: RedisCluster;
let stack: Stack;
let trader: ApiClient;
/** The port of the primary serving OTHER's slot, and not SERVED's. */
let downPort: number;

/** The port of the primary that serves `key`'s slot now. */
async function primaryOf(key: string): Promise<number> {
  const probe = cluster.client();
  try {
    const slot = Number(await probe.cluster('KEYSLOT', key));
    const primary = (await cluster.nodes()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!primary) throw new Error(`no primary serves slot ${slot}`);
    return primary.port;
  } finally {
    probe.disconnect();
  }
}

async function configSet(port: number, name: string, value: string): Promise<void> {
  const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await node.connect();
    await node.config('SET', name, value);
  } finally {
    node.disconnect();
  }
}

beforeAll(async () => {
  cluster = await RedisCluster.launch();
  // A symbol's slot is its hash tag's: which primary serves it depends only on the cluster.
  const served = await primaryOf(symbolKeys(SERVED).commands);
  for (const symbol of configured) {
    if (symbol !== SERVED && (await primaryOf(symbolKeys(symbol).commands)) !== served) {
      OTHER = symbol;
      break;
    }
  }
  if (!OTHER) throw new Error(`every symbol is on ${SERVED}'s primary`);
  downPort = await primaryOf(symbolKeys(OTHER).commands);
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  stack = await startStack({
    redisUrl: { clusterNodes: cluster.seeds },
    symbols: [OTHER, SERVED],
    apis: 1,
    realtimes: 0,
    prefix,
    env: { LOG_LEVEL: 'warn', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN, API_ACCOUNT_RATE_LIMIT: '0' },
  });
  // An account whose API key record is not on the primary that goes down: each request is
  // authenticated with it.
  for (let tries = 0; ; tries++) {
    if (tries === 30) throw new Error('no account of 30 signed up has its API key off the primary that goes down');
    const client = await ApiClient.withNewAccount(stack.apiUrls[0], 'oneslot', 10_000, { adminToken: TEST_ADMIN_TOKEN });
    if ((await primaryOf(accountKeys(prefix).apiKey(client.credentials!.apiKey))) !== downPort) {
      trader = client;
      break;
    }
  }
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await cluster?.destroy();
});

/** One signed /api/v1 call as the trader: status and JSON body. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const res = await fetch(`${trader.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...trader.sign(method, path, text) },
    ...(body === undefined ? {} : { body: text }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it("reads and cancels an order while another symbol's primary is down", async () => {
  const resting = await placeOrder(trader, { symbol: SERVED, side: 'Buy', type: 'Limit', price: '100', quantity: '1' });
  const second = await placeOrder(trader, { symbol: SERVED, side: 'Buy', type: 'Limit', price: '101', quantity: '1' });
  for (const o of [resting, second]) await waitFor('the resting orders to read back as NEW', async () => (await getOrder(trader, o.order_id))?.status === 'NEW');
  const account = { apiKey: trader.credentials!.apiKey, apiSecret: trader.credentials!.apiSecret };
  // Its Binance orderId, given while every primary is up.
  const open = await binanceSigned(trader.baseUrl, account, 'GET', 'openOrders', { symbol: BINANCE_NAME });
  expect(open.status).toBe(200);
  const numberOf = (id: string) => (open.body as { orderId: number; clientOrderId: string }[]).find((o) => o.clientOrderId === id)!.orderId;
  const orderNumber = numberOf(resting.order_id);

  const nodes = await cluster.nodes();
  const replica = nodes.find((n) => n.primaryId === nodes.find((p) => p.port === downPort)!.id)!;
  await configSet(replica.port, 'cluster-replica-no-failover', 'yes');
  for (const s of cluster.servers) await configSet(s.port, 'cluster-require-full-coverage', 'no');
  await cluster.server(downPort).kill();

  const read = await call('GET', `/api/v1/order/${resting.order_id}`);
  expect(read).toMatchObject({ status: 200, body: { order_id: resting.order_id, symbol: SERVED, status: 'NEW' } });

  const queried = await binanceSigned(trader.baseUrl, account, 'GET', 'order', { symbol: BINANCE_NAME, orderId: orderNumber });
  expect(queried.status).toBe(200);
  expect(queried.body).toMatchObject({ orderId: orderNumber, status: 'NEW' });

  const cancelled = await call('DELETE', `/api/v1/order/${resting.order_id}`);
  expect(cancelled).toMatchObject({ status: 200, body: { order_id: resting.order_id, status: 'CANCELLED' } });
  expect((await call('GET', `/api/v1/order/${resting.order_id}`)).body as unknown as OrderView).toMatchObject({ status: 'CANCELLED' });

  const binanceCancel = await binanceSigned(trader.baseUrl, account, 'DELETE', 'order', { symbol: BINANCE_NAME, orderId: numberOf(second.order_id) });
  expect(binanceCancel.status).toBe(200);
  expect(binanceCancel.body).toMatchObject({ orderId: numberOf(second.order_id), status: 'CANCELED' });
}, 120_000);
