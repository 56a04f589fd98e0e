/**
 * The failover drill: the stack on a real Redis Cluster with XT_DURABILITY=replica, a steady flow
 * of crossing orders on BTC-KRW, and the primary serving BTC-KRW's slot killed with SIGKILL. Its
 * replica takes over; every order answered 202 exists afterwards and was processed, and no trade
 * id names two different trades.
 */
import { randomBytes } from 'node:crypto';
import { waitFor } from '@xtrader/platform';
import { symbolKeys } from '@xtrader/protocol';
import { ApiClient } from '../src/api-client';
import { startStack, type Stack } from '../src/stack';
import { FeedClient, getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

const SYMBOL = 'BTC-KRW';
let stack: Stack;
let trader: ApiClient;
/** The Buy side (an account does not trade with itself). */
let buyer: ApiClient;

beforeAll(async () => {
  stack = await startStack({
    redisCluster: true,
    apis: 1,
    realtimes: 1,
    symbols: [SYMBOL],
    prefix: `t-${randomBytes(4).toString('hex')}`,
    env: { LOG_LEVEL: 'warn', XT_DURABILITY: 'replica', XT_DURABILITY_TIMEOUT_MS: '1000', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
  trader = await ApiClient.withNewAccount(stack.apiUrls[0], 'drill', undefined, { adminToken: TEST_ADMIN_TOKEN });
  buyer = await ApiClient.withNewAccount(stack.apiUrls[0], 'drill', undefined, { adminToken: TEST_ADMIN_TOKEN });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

it('loses no order answered 202 and reuses no trade id when the primary of the symbol is killed -9', async () => {
  const cluster = stack.redisCluster!;
  const accepted: string[] = [];
  const ownerOf = new Map<string, ApiClient>();
  const refusals: string[] = [];
  let running = true;
  let nextPrice = 70_000_000;
  const run = randomBytes(3).toString('hex');
  const feed = await FeedClient.connect(`${stack.realtimeUrls[0].replace('http', 'ws')}/ws`);
  await feed.subscribe(['executions'], [SYMBOL]);
  // Crossing pairs, each order retried with its client_order_id until an answer says 202 (a
  // refusal while the primary is down is retried: the bot learns every order the exchange took).
  const flow = (async () => {
    for (let pair = 0; running; pair++) {
      const price = String((nextPrice += 1000));
      for (const side of ['Sell', 'Buy'] as const) {
        const order = { symbol: SYMBOL, side, type: 'Limit', price, quantity: '0.001', client_order_id: `drill-${run}-${pair}-${side}` } as const;
        for (;;) {
          try {
            const client = side === 'Sell' ? trader : buyer;
            const { order_id } = await placeOrder(client, order);
            accepted.push(order_id);
            ownerOf.set(order_id, client);
            break;
          } catch (e) {
            refusals.push((e as Error).message);
            if (!running) break;
            await new Promise((r) => setTimeout(r, 50)); // a bot's back-off before its retry
          }
        }
      }
    }
  })();
  const moreAccepted = async (n: number, what: string) => {
    const target = accepted.length + n;
    await waitFor(`${n} orders accepted ${what}`, () => accepted.length >= target, { timeoutMs: 60_000 });
  };

  let killedPort = 0;
  try {
    await moreAccepted(20, 'before the kill');
    const probe = cluster.client();
    const slot = Number(await probe.cluster('KEYSLOT', symbolKeys(SYMBOL, stack.prefix).commands));
    probe.disconnect();
    const primary = (await cluster.nodes()).find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))!;
    killedPort = primary.port;
    await cluster.server(primary.port).kill();
    await cluster.waitHealthy();
    // The promoted replica has no replica of its own: with XT_DURABILITY=replica its symbols'
    // places are refused until one is back. The killed node restarts and rejoins as its replica.
    await cluster.server(primary.port).start();
    await cluster.waitHealthy();
    await moreAccepted(40, 'after the failover');
  } finally {
    running = false;
    await flow;
  }
  expect((await cluster.primaryPorts()).includes(killedPort)).toBe(false);

  // Every order answered 202 is there and processed (none missing, none stuck as ACCEPTED).
  const states = new Map<string, string>();
  await waitFor(
    'every accepted order to be processed',
    async () => {
      for (const id of accepted.filter((i) => [undefined, 'ACCEPTED', 'MISSING'].includes(states.get(i)))) states.set(id, (await getOrder(ownerOf.get(id)!, id))?.status ?? 'MISSING');
      return accepted.every((id) => !['ACCEPTED', 'MISSING'].includes(states.get(id)!));
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  ).catch(() => undefined); // the expectations below name what is missing or stuck
  expect(accepted.filter((id) => states.get(id) === 'MISSING')).toEqual([]);
  expect(accepted.filter((id) => states.get(id) === 'ACCEPTED')).toEqual([]);

  // No trade id names two different trades (a replayed trade may be pushed again, identically).
  const trades = new Map<string, string>();
  const reused: string[] = [];
  for (const m of feed.messages.filter((x) => x.type === 'Execution')) {
    const what = `${m.order_id}/${m.maker_order_id}/${m.price}/${m.quantity}`;
    const seen = trades.get(m.exec_id as string);
    if (seen !== undefined && seen !== what) reused.push(`${m.exec_id}: ${seen} then ${what}`);
    trades.set(m.exec_id as string, what);
  }
  expect(reused).toEqual([]);
  expect(trades.size).toBeGreaterThan(0);
  feed.close();
  // The drill's figures, for the report: orders accepted, refusals retried, trades seen.
  const kinds = [...new Set(refusals.map((r) => r.slice(0, 60)))];
  process.stdout.write(`failover drill: ${accepted.length} orders answered 202, ${refusals.length} refusals retried (${kinds.join(' | ')}), ${trades.size} trades\n`);
}, 240_000);
