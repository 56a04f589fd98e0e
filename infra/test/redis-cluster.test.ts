/**
 * The stack on a real Redis Cluster (3 primaries + 3 replicas it starts itself): every process
 * gets REDIS_CLUSTER_NODES. Orders, matches, order reads, cancels, the public feed on two realtime
 * nodes and the account's private channels all work, and the symbols and ledger shards spread
 * over every primary.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createLogger, DEFAULT_LEDGER_SHARDS, waitFor } from '@xtrader/platform';
import { accountShard, ledgerShardKeys, symbolKeys, type AccountResponse } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi } from '../../api/src/app';
import { ApiClient } from '../src/api-client';
import { startStack, type Stack } from '../src/stack';
import { FeedClient, getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

let stack: Stack;
let trader: ApiClient;
/** The other side of each trade (an account does not trade with itself). */
let buyer: ApiClient;
const clients: FeedClient[] = [];
const wsUrl = (i: number) => `${stack.realtimeUrls[i].replace('http', 'ws')}/ws`;

beforeAll(async () => {
  stack = await startStack({ redisCluster: true, apis: 1, realtimes: 2, prefix: `t-${randomBytes(4).toString('hex')}`, env: { LOG_LEVEL: 'warn', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
  trader = await ApiClient.withNewAccount(stack.apiUrls[0], 'cluster', undefined, { adminToken: TEST_ADMIN_TOKEN });
  buyer = await ApiClient.withNewAccount(stack.apiUrls[0], 'cluster', undefined, { adminToken: TEST_ADMIN_TOKEN });
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

async function feed(node: number): Promise<FeedClient> {
  const c = await FeedClient.connect(wsUrl(node));
  clients.push(c);
  return c;
}

it('places, matches, reads and cancels orders on every symbol, and pushes the feed to both realtime nodes', async () => {
  const watchers = [await feed(0), await feed(1)];
  await Promise.all(watchers.map((c) => c.subscribe(['executions'], stack.symbols)));
  const own = await feed(1);
  await own.auth(trader);
  await own.subscribe(['orders']);

  for (const symbol of stack.symbols) {
    const price = symbol === 'AAPL' ? '190' : '50000000';
    const quantity = symbol === 'AAPL' ? '1' : '0.001';
    const sell = await placeOrder(trader, { symbol, side: 'Sell', type: 'Limit', price, quantity });
    const buy = await placeOrder(buyer, { symbol, side: 'Buy', type: 'Limit', price, quantity });
    for (const c of watchers) expect(await c.execution(buy.order_id)).toMatchObject({ symbol, maker_order_id: sell.order_id });
    await waitFor(`${symbol}: the taker read back as FILLED`, async () => (await getOrder(buyer, buy.order_id))?.status === 'FILLED');

    const resting = await placeOrder(trader, { symbol, side: 'Buy', type: 'Limit', price: symbol === 'AAPL' ? '100' : '10000000', quantity });
    await waitFor(`${symbol}: the resting order read back as NEW`, async () => (await getOrder(trader, resting.order_id))?.status === 'NEW');
    const path = `/api/v1/order/${resting.order_id}`;
    const res = await fetch(`${trader.baseUrl}${path}`, { method: 'DELETE', headers: trader.sign('DELETE', path, '') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ order_id: resting.order_id, status: 'CANCELLED' });
    await own.next((m) => m.type === 'OrderUpdate' && (m.order as { order_id: string }).order_id === resting.order_id && (m.order as { status: string }).status === 'CANCELLED', `the private OrderUpdate of ${symbol}'s cancel`);
  }
}, 120_000);

it('spreads the symbols and the ledger shards over all three primaries', async () => {
  const nodes = stack.redisCluster!;
  const primaries = await nodes.primaryPorts();
  expect(primaries).toHaveLength(3);
  for (const port of primaries) {
    const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await node.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', `${stack.prefix}:{*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      const tags = new Set(keys.map((k) => k.slice(k.indexOf('{') + 1, k.indexOf('}'))));
      // Every primary serves some of the exchange's slots: a symbol or a ledger shard.
      expect([...tags].filter((t) => stack.symbols.includes(t) || /^ledger-\d+$/.test(t)).length).toBeGreaterThan(0);
    } finally {
      node.disconnect();
    }
  }
});

describe('XT_DURABILITY=replica', () => {
  it("answers 202 only once the order's request is on its ledger shard's replica, and 503 saying so when no replica confirms it", async () => {
    const cluster = stack.redisCluster!;
    const api = await startApi({
      redisUrl: stack.redisUrl,
      prefix: stack.prefix,
      markets: loadMarketMap(),
      port: 0,
      host: '127.0.0.1',
      log: createLogger('test', 'silent'),
      durability: { replicas: 1, timeoutMs: 500 },
    });
    const durable = new ApiClient(api.url, 10_000, trader.credentials);
    try {
      const symbol = 'BTC-KRW';
      const nodes = await cluster.nodes();
      const probe = cluster.client();
      // A place is appended to the account's ledger shard first: that stream's node must have a replica confirm it.
      const { account_id } = await durable.request<AccountResponse>('GET', '/api/v1/account');
      const requests = ledgerShardKeys(accountShard(account_id, DEFAULT_LEDGER_SHARDS), stack.prefix).commands;
      const slot = Number(await probe.cluster('KEYSLOT', requests));
      probe.disconnect();
      const primary = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))!;
      const replica = nodes.find((n) => n.primaryId === primary.id)!;

      const placed = await placeOrder(durable, { symbol, side: 'Buy', type: 'Limit', price: '1000', quantity: '0.001' });
      // Read from the replica itself: the order's request is there when the 202 comes.
      const onReplica = new Redis({ host: '127.0.0.1', port: replica.port, lazyConnect: true });
      try {
        await onReplica.connect();
        await onReplica.call('READONLY');
        const onIt = (await onReplica.xrange(requests, '-', '+')).filter(([, f]) => f[1]!.includes(placed.order_id));
        expect(onIt).toHaveLength(1);
      } finally {
        onReplica.disconnect();
      }

      await cluster.server(replica.port).kill();
      await expect(placeOrder(durable, { symbol, side: 'Buy', type: 'Limit', price: '1000', quantity: '0.001' })).rejects.toThrow(/503.*no replica confirmed it within 500 ms/);
    } finally {
      await api.close();
    }
  }, 60_000);
});
