import { waitFor } from '@xtrader/platform';
import { accountRoom, socketIoChannelPrefix } from '@xtrader/protocol';
import { signature } from '@xtrader/protocol/node';
import { newAccount, signedHttp, startStack, TEST_LEDGER_SHARDS, type Account, type Stack } from '../../../api/test/helpers';
import { NodeProcess, SioClient, WsClient, spawnService, subscribe, type Service } from '../../../realtime/test/support';

/**
 * The private channels end to end, on real processes: api and engines, the ledger process (one
 * shard writer turning committed engine events into private messages), three realtime nodes.
 * The owner is connected to node A on both transports, another account to node B on both; node
 * C has no account connected. The owner's place -> partial fill -> cancel reaches the owner
 * only, numbered without a gap, and only node A's subscriber connection carries it on Redis.
 */
let stack: Stack;
let ledger: Service;
let nodeA: NodeProcess;
let nodeB: NodeProcess;
let nodeC: NodeProcess;
let owner: Account;
let other: Account;
let counterparty: Account;
const clients: { close(): void }[] = [];

beforeAll(async () => {
  // The ledger here is the real process (it publishes the private messages), not the stack's in-process writers.
  stack = await startStack({ ledger: false });
  const env = { REDIS_URL: stack.redisServer.url, XT_PREFIX: stack.prefix, LOG_LEVEL: 'info' };
  [ledger, nodeA, nodeB, nodeC] = await Promise.all([
    spawnService('ledger/src/main.ts', [], { ...env, XT_LEDGER_SHARDS: String(TEST_LEDGER_SHARDS) }, 'ledger started'),
    NodeProcess.start(env),
    NodeProcess.start(env),
    NodeProcess.start(env),
  ]);
  [owner, other, counterparty] = await Promise.all([newAccount(stack.api.url), newAccount(stack.api.url), newAccount(stack.api.url)]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([ledger?.stop(), nodeA?.stop(), nodeB?.stop(), nodeC?.stop()]);
  await stack?.stop();
});

const isPrivate = (m: { type: string }) => ['OrderUpdate', 'Fill', 'BalanceUpdate'].includes(m.type);
const channelOf = (accountId: string) => `${socketIoChannelPrefix(stack.prefix)}#/#${accountRoom(accountId)}#`;
async function numsub(channel: string): Promise<number> {
  return Number(((await stack.redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1]);
}
async function accountChannels(): Promise<string[]> {
  return ((await stack.redis.call('PUBSUB', 'SHARDCHANNELS', `${socketIoChannelPrefix(stack.prefix)}#/#account:*`)) as string[]).sort();
}
async function place(account: Account, body: Record<string, unknown>): Promise<string> {
  const r = await signedHttp(account, 'POST', `${stack.api.url}/api/v1/order?wait=true`, body);
  if (r.status !== 200 && r.status !== 202) throw new Error(`place answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.order_id as string;
}
async function authWs(node: NodeProcess, name: string, creds: Record<string, unknown>): Promise<WsClient> {
  const c = await WsClient.connect(node.url, name);
  clients.push(c);
  c.send({ type: 'Auth', ...creds });
  await c.next((m) => m.type === 'AuthSuccess' || m.type === 'Error');
  return c;
}
async function authSio(node: NodeProcess, name: string, opts: Parameters<typeof SioClient.connect>[2]): Promise<SioClient> {
  const c = await SioClient.connect(node.url, name, opts);
  clients.push(c);
  await c.next((m) => m.type === 'AuthSuccess' || m.type === 'Error');
  return c;
}

test("an order's place, partial fill and cancel reach its owner's connections only, with contiguous account_sequence, and only the owner's node receives them", async () => {
  const ts = Date.now();
  const ownerWs = await authWs(nodeA, 'owner-ws', { api_key: owner.apiKey, timestamp: ts, signature: signature(owner.apiSecret, ts, 'GET', '/ws', '') });
  const ownerSio = await authSio(nodeA, 'owner-sio', { headers: { cookie: `xt_session=${owner.token}` } });
  const otherWs = await authWs(nodeB, 'other-ws', { token: other.token });
  const otherSio = await authSio(nodeB, 'other-sio', { auth: { token: other.token } });
  for (const c of [ownerWs, ownerSio, otherWs, otherSio]) {
    expect(c.of('AuthSuccess')).toHaveLength(1);
    expect(await subscribe(c, { channels: ['orders', 'fills', 'balances'] })).toMatchObject({ type: 'SubscribeSuccess' });
  }
  const publicC = await WsClient.connect(nodeC.url, 'public-c');
  clients.push(publicC);
  await subscribe(publicC, { channels: ['executions'], symbols: ['BTC-KRW'] });
  await waitFor('both accounts to be subscribed', async () => (await accountChannels()).length === 2);

  const orderId = await place(owner, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 1 });
  await place(counterparty, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 50_000_000, quantity: 0.4 });
  const cancel = await signedHttp(owner, 'DELETE', `${stack.api.url}/api/v1/order/${orderId}`);
  expect(cancel.status).toBe(200);

  for (const c of [ownerWs, ownerSio]) {
    await c.until(
      'the cancel, the release of the rest of the hold and the bought BTC',
      // One ledger batch may settle the fill and release the rest together: its BalanceUpdates
      // then arrive one by one, the bought BTC possibly after the release.
      () =>
        c.messages.some((m) => m.type === 'OrderUpdate' && (m.order as { status: string }).status === 'CANCELLED') &&
        c.messages.some((m) => m.type === 'BalanceUpdate' && m.asset === 'KRW' && m.locked === 0) &&
        c.messages.some((m) => m.type === 'BalanceUpdate' && m.asset === 'BTC'),
    );
    const all = c.messages.filter(isPrivate);
    // Numbered on from the account's funding deposits (made before anyone listened), without a
    // gap, balances included (the lock, the fill's settlement and the release of the rest).
    const first = all[0]!.account_sequence as number;
    expect(all.map((m) => m.account_sequence)).toEqual(all.map((_, i) => first + i));
    const balances = all.filter((m) => m.type === 'BalanceUpdate');
    expect(balances.filter((b) => b.asset === 'KRW').at(-1)).toMatchObject({ locked: 0 });
    expect(balances.filter((b) => b.asset === 'BTC').at(-1)).toMatchObject({ locked: 0 });
    const got = all.filter((m) => m.type !== 'BalanceUpdate');
    expect(got.map((m) => (m.type === 'Fill' ? 'Fill' : `${m.type} ${(m.order as { status: string }).status}`))).toEqual([
      'OrderUpdate NEW',
      'Fill',
      'OrderUpdate PARTIALLY_FILLED',
      'OrderUpdate CANCELLED',
    ]);
    expect(got[1]).toMatchObject({ type: 'Fill', order_id: orderId, symbol: 'BTC-KRW', side: 'Buy', price: 50_000_000, quantity: 0.4, fee_asset: 'KRW', liquidity: 'maker' });
    expect(got[2].order).toMatchObject({ order_id: orderId, filled_quantity: 0.4, remaining_quantity: 0.6, average_price: 50_000_000 });
    expect(got[2].order).not.toHaveProperty('fills');
    expect(got[3].order).toMatchObject({ order_id: orderId, status: 'CANCELLED', filled_quantity: 0.4 });
  }

  // The other account's own order comes after the owner's on the same stage: had any of the
  // owner's messages reached node B, they would be there before it.
  const otherOrder = await place(other, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 90_000_000, quantity: 0.1 });
  for (const c of [otherWs, otherSio]) {
    await c.until("the other account's order", () => c.messages.some((m) => m.type === 'OrderUpdate'));
    // Its lock (a BalanceUpdate of BTC), then the order itself.
    expect(c.messages.filter(isPrivate)).toEqual([
      expect.objectContaining({ type: 'BalanceUpdate', asset: 'BTC', locked: 0.1 }),
      expect.objectContaining({ type: 'OrderUpdate', order: expect.objectContaining({ order_id: otherOrder, status: 'NEW' }) }),
    ]);
  }
  expect(publicC.messages.filter(isPrivate)).toEqual([]);

  // On Redis: one subscriber connection for each connected account (node A's, node B's), none
  // for the counterparty (connected nowhere), and no account channel at all for node C.
  expect(await accountChannels()).toEqual([channelOf(owner.accountId), channelOf(other.accountId)].sort());
  expect(await numsub(channelOf(owner.accountId))).toBe(1);
  expect(await numsub(channelOf(other.accountId))).toBe(1);
  expect(await numsub(channelOf(counterparty.accountId))).toBe(0);
});
