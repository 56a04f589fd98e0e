import type Redis from 'ioredis';
import { RedisServer, waitFor } from '@xtrader/platform';
import { accountRoom, socketIoChannelPrefix, type PrivateMessage } from '@xtrader/protocol';
import { signature } from '@xtrader/protocol/node';
import { AccountStore } from '../../api/src/auth';
import { PrivateEmitter } from '../src';
import { NodeProcess, SioClient, WsClient, randomPrefix, subscribe } from './support';

/**
 * Private channels across three realtime nodes (real processes on one Redis): the owner on node A
 * (both transports), another account on node B, node C with no account connected. Messages enter
 * the way their producer sends them: a PrivateEmitter (a socket.io server with no HTTP server and
 * the sharded adapter) emitting to the account's room.
 */
const prefix = randomPrefix();
let redisServer: RedisServer;
let redis: Redis;
let accounts: AccountStore;
let nodeA: NodeProcess;
let nodeB: NodeProcess;
let nodeC: NodeProcess;
let emitter: PrivateEmitter;
const clients: { close(): void }[] = [];
let owner: { id: string; token: string; apiKey: string; secret: string };
let other: { id: string; token: string };

async function account(name: string) {
  const { account_id } = await accounts.signup(name, `password-of-${name}`);
  const { token } = await accounts.createSession(account_id, name);
  return { id: account_id, token };
}

beforeAll(async () => {
  redisServer = await RedisServer.launch();
  redis = redisServer.client();
  accounts = new AccountStore(redis, prefix, { cacheMs: 0 });
  const o = await account('owner');
  const key = await accounts.createApiKey(o.id, 'owner', 'bot', ['read']);
  owner = { ...o, apiKey: key.api_key, secret: key.api_secret };
  other = await account('other');
  const env = { REDIS_URL: redisServer.url, XT_PREFIX: prefix, XT_AUTH_CACHE_MS: '0', XT_AUTH_RECHECK_MS: '100' };
  [nodeA, nodeB, nodeC] = await Promise.all([NodeProcess.start(env), NodeProcess.start(env), NodeProcess.start(env)]);
  emitter = new PrivateEmitter(redisServer.url, prefix);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await emitter?.close();
  await Promise.all([nodeA?.stop(), nodeB?.stop(), nodeC?.stop()]);
  redis?.disconnect();
  await redisServer?.destroy();
});

async function ws(node: NodeProcess, name: string) {
  const c = await WsClient.connect(node.url, name);
  clients.push(c);
  return c;
}
async function sio(node: NodeProcess, name: string, opts?: Parameters<typeof SioClient.connect>[2]) {
  const c = await SioClient.connect(node.url, name, opts);
  clients.push(c);
  return c;
}
async function auth(c: WsClient | SioClient, msg: Record<string, unknown>) {
  const from = c.messages.length;
  c.send({ type: 'Auth', ...msg });
  return c.next((m) => m.type === 'AuthSuccess' || m.type === 'Error', from);
}
function signedAuth(apiKey: string, secret: string, timestamp = Date.now()) {
  return { api_key: apiKey, timestamp, signature: signature(secret, timestamp, 'GET', '/ws', '') };
}

const channelOf = (accountId: string) => `${socketIoChannelPrefix(prefix)}#/#${accountRoom(accountId)}#`;
/** How many Redis connections subscribe to a shard channel (every node has one subscriber connection). */
async function subscribers(channel: string): Promise<number> {
  const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}
async function accountChannels(): Promise<string[]> {
  return ((await redis.call('PUBSUB', 'SHARDCHANNELS', `${socketIoChannelPrefix(prefix)}#/#account:*`)) as string[]).sort();
}

const order = (id: string, status: string, seq: number): PrivateMessage => ({
  type: 'OrderUpdate',
  order: {
    order_id: id,
    symbol: 'BTC-KRW',
    side: 'Buy',
    type: 'Limit',
    time_in_force: 'GTC',
    price: 50_000_000,
    quantity: 1,
    filled_quantity: 0,
    remaining_quantity: 1,
    average_price: null,
    status: status as 'NEW',
    created_at: 1,
    updated_at: 1,
    sequence: seq,
  },
  account_sequence: seq,
});
const fill = (id: string, symbol: string, seq: number): PrivateMessage => ({
  type: 'Fill',
  exec_id: `${symbol}-${seq}`,
  order_id: id,
  symbol,
  side: 'Buy',
  price: 50_000_000,
  quantity: 0.5,
  fee: 25_000,
  fee_asset: 'KRW',
  liquidity: 'taker',
  timestamp: 1,
  account_sequence: seq,
});
const isPrivate = (m: { type: string }) => ['OrderUpdate', 'Fill', 'BalanceUpdate'].includes(m.type);

describe('authenticating a connection', () => {
  it('answers AuthSuccess for a session token on /ws and for a signed API key', async () => {
    const a = await ws(nodeA, 'token');
    expect(await auth(a, { token: owner.token })).toEqual({ type: 'AuthSuccess', account_id: owner.id });
    const b = await ws(nodeA, 'key');
    expect(await auth(b, signedAuth(owner.apiKey, owner.secret))).toEqual({ type: 'AuthSuccess', account_id: owner.id });
  });

  it('authenticates a socket.io connection by its handshake token or its session cookie', async () => {
    const byToken = await sio(nodeA, 'hs-token', { auth: { token: owner.token } });
    await byToken.next((m) => m.type === 'AuthSuccess');
    expect(byToken.of('AuthSuccess')).toEqual([{ type: 'AuthSuccess', account_id: owner.id }]);
    const byCookie = await sio(nodeA, 'hs-cookie', { headers: { cookie: `theme=dark; xt_session=${owner.token}` } });
    expect(await byCookie.next((m) => m.type === 'AuthSuccess')).toEqual({ type: 'AuthSuccess', account_id: owner.id });
  });

  it.each([
    ['an unknown session token', () => ({ token: 'not-a-session' })],
    ['a wrong signature', () => ({ ...signedAuth(owner.apiKey, owner.secret), signature: 'ab'.repeat(32) })],
    ['an unknown API key', () => signedAuth('f'.repeat(32), owner.secret)],
    ['a stale timestamp', () => signedAuth(owner.apiKey, owner.secret, Date.now() - 6_000)],
    ['a timestamp ahead of the server', () => signedAuth(owner.apiKey, owner.secret, Date.now() + 5_000)],
    ['a signature over another target', () => ({ ...signedAuth(owner.apiKey, owner.secret), signature: signature(owner.secret, Date.now(), 'GET', '/socket.io', '') })],
  ])('refuses %s with Error UNAUTHENTICATED and keeps the connection unauthenticated', async (_what, creds) => {
    const c = await ws(nodeA, 'refused');
    expect(await auth(c, creds())).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
    expect(await subscribe(c, { channels: ['orders'] })).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
  });

  it('lets a client subscribe right after Auth or a credentialed handshake, without waiting for AuthSuccess', async () => {
    const c = await ws(nodeA, 'eager');
    c.send({ type: 'Auth', token: owner.token });
    c.send({ type: 'Subscribe', channels: ['orders'] });
    await c.next((m) => m.type === 'SubscribeSuccess' || m.type === 'Error');
    expect(c.messages.filter((m) => m.type !== 'Connected').map((m) => m.type)).toEqual(['AuthSuccess', 'SubscribeSuccess']);
    const socket = await sio(nodeA, 'eager-sio', { auth: { token: owner.token } });
    // Connected arrives before the handshake's credentials are checked: subscribe at once.
    socket.send({ type: 'Subscribe', channels: ['fills'] });
    await socket.next((m) => m.type === 'SubscribeSuccess' || m.type === 'Error');
    expect(socket.messages.filter((m) => m.type !== 'Connected').map((m) => m.type)).toEqual(['AuthSuccess', 'SubscribeSuccess']);
  });

  it('refuses a logged-out session at once (no cache on these nodes)', async () => {
    const { token } = await accounts.createSession(owner.id, 'owner');
    await accounts.deleteSession(token);
    const c = await ws(nodeB, 'logged-out');
    expect(await auth(c, { token })).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
  });

  it('answers a socket.io handshake with a bad token with Error UNAUTHENTICATED, and still serves public channels', async () => {
    const c = await sio(nodeB, 'bad-hs', { auth: { token: 'nope' } });
    expect(await c.next((m) => m.type === 'Error')).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await subscribe(c, { channels: ['executions'], symbols: ['BTC-KRW'] })).toMatchObject({ type: 'SubscribeSuccess' });
  });
});

describe('subscribing to private channels', () => {
  it.each(['orders', 'fills', 'balances'])('refuses %s on an unauthenticated connection with Error UNAUTHENTICATED, on both transports', async (channel) => {
    const before = await accountChannels();
    for (const c of [await ws(nodeC, 'anon'), await sio(nodeC, 'anon')]) {
      expect(await subscribe(c, { channels: [channel] })).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
      // Nothing half-applied: a mixed request is refused whole.
      expect(await subscribe(c, { channels: ['executions', channel], symbols: ['BTC-KRW'] })).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
    }
    expect(await accountChannels()).toEqual(before);
  });
});

describe('routing', () => {
  it("delivers an account's messages to its connections only, and only the nodes where it is connected subscribe to its channel", async () => {
    const ownerWs = await ws(nodeA, 'owner-ws');
    await auth(ownerWs, { token: owner.token });
    const ownerSio = await sio(nodeA, 'owner-sio', { auth: { token: owner.token } });
    await ownerSio.next((m) => m.type === 'AuthSuccess');
    const otherWs = await ws(nodeB, 'other-ws');
    await auth(otherWs, { token: other.token });
    const otherSio = await sio(nodeB, 'other-sio', { headers: { cookie: `xt_session=${other.token}` } });
    await otherSio.next((m) => m.type === 'AuthSuccess');
    // Node C only has public traffic.
    const publicC = await sio(nodeC, 'public-c');
    await subscribe(publicC, { channels: ['executions'], symbols: ['BTC-KRW'] });

    for (const c of [ownerWs, ownerSio, otherWs, otherSio]) {
      expect(await subscribe(c, { channels: ['orders', 'fills', 'balances'] })).toEqual({ type: 'SubscribeSuccess', channels: ['orders', 'fills', 'balances'] });
    }
    // One subscriber connection per channel: node A for the owner, node B for the other, none on C.
    await waitFor('both account channels are subscribed', async () => (await accountChannels()).length === 2);
    expect(await accountChannels()).toEqual([channelOf(owner.id), channelOf(other.id)].sort());
    expect(await subscribers(channelOf(owner.id))).toBe(1);
    expect(await subscribers(channelOf(other.id))).toBe(1);

    const sent: PrivateMessage[] = [order('o-1', 'NEW', 1), fill('o-1', 'BTC-KRW', 2), order('o-1', 'PARTIALLY_FILLED', 3), { type: 'BalanceUpdate', asset: 'KRW', available: 10, locked: 5, account_sequence: 4 }, order('o-1', 'CANCELLED', 5)];
    emitter.emit(owner.id, sent);
    for (const c of [ownerWs, ownerSio]) {
      await c.until('all five private messages', () => c.messages.filter(isPrivate).length === 5);
      expect(c.messages.filter(isPrivate)).toEqual(sent);
    }
    emitter.emit(other.id, [order('o-2', 'NEW', 1)]);
    for (const c of [otherWs, otherSio]) await c.until("the other account's message", () => c.messages.filter(isPrivate).length === 1);
    // Delivered in order behind the owner's: had any of the owner's reached B, it would be here first.
    expect(otherWs.messages.filter(isPrivate)).toEqual([order('o-2', 'NEW', 1)]);
    expect(otherSio.messages.filter(isPrivate)).toEqual([order('o-2', 'NEW', 1)]);
    expect(publicC.messages.filter(isPrivate)).toEqual([]);
    // Seen from the nodes: A routed the owner's five, B the other's one, C nothing at all.
    expect(await nodeA.metric('xt_realtime_private_messages_total{result="routed"}')).toBe(5);
    expect(await nodeB.metric('xt_realtime_private_messages_total{result="routed"}')).toBe(1);
    expect(await nodeC.metric('xt_realtime_private_messages_total{result="routed"}')).toBe(0);
    expect(await nodeC.metric('xt_realtime_private_accounts')).toBe(0);
  });

  it('filters orders and fills by symbols, and a node drops the channel when its last connection of the account leaves', async () => {
    const c = await ws(nodeC, 'filtered');
    await auth(c, { token: other.token });
    expect(await subscribe(c, { channels: ['fills'], symbols: ['ETH-KRW'] })).toEqual({ type: 'SubscribeSuccess', channels: ['fills'], symbols: ['ETH-KRW'] });
    await waitFor('node C subscribes to the account', async () => (await subscribers(channelOf(other.id))) === 2);
    emitter.emit(other.id, [fill('o-3', 'BTC-KRW', 2), order('o-3', 'NEW', 3), fill('o-4', 'ETH-KRW', 4)]);
    await c.until('the ETH-KRW fill', () => c.messages.some((m) => m.type === 'Fill'));
    expect(c.messages.filter(isPrivate)).toEqual([fill('o-4', 'ETH-KRW', 4)]);

    const from = c.messages.length;
    c.send({ type: 'Unsubscribe', channels: ['fills'] });
    await c.next((m) => m.type === 'UnsubscribeSuccess', from);
    await waitFor('node C unsubscribes from the account', async () => (await subscribers(channelOf(other.id))) === 1);
  });

  it.each([
    ['a logout', 'token'],
    ['a revoked API key', 'key'],
  ])('stops a connection’s private channels after %s, with Error UNAUTHENTICATED, and the node drops the account', async (_what, kind) => {
    const name = `leaver_${kind}`;
    const { account_id } = await accounts.signup(name, `password-of-${name}`);
    const { token } = await accounts.createSession(account_id, name);
    const key = await accounts.createApiKey(account_id, name, 'bot', ['read']);
    const c = await ws(nodeB, name);
    await auth(c, kind === 'token' ? { token } : signedAuth(key.api_key, key.api_secret));
    await subscribe(c, { channels: ['orders', 'fills'] });
    await waitFor('node B subscribes to the account', async () => (await subscribers(channelOf(account_id))) === 1);
    const from = c.messages.length;
    if (kind === 'token') await accounts.deleteSession(token);
    else await accounts.revokeApiKey(account_id, key.api_key);
    expect(await c.next((m) => m.type === 'Error', from)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('private channels stopped') });
    await waitFor('node B unsubscribes from the account', async () => (await subscribers(channelOf(account_id))) === 0);
    expect(await subscribe(c, { channels: ['orders'] })).toMatchObject({ type: 'Error', code: 'UNAUTHENTICATED' });
  });
});
