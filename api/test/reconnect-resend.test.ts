/**
 * A place whose reply is lost with its connection (Redis ran it, the answer never came back) must
 * not be run a second time when the client reconnects: the user would get two orders for one
 * request. The api answers 503 saying the order may or may not have been appended, and a retry
 * with the same client_order_id settles which.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createLogger, RedisServer, waitFor } from '@xtrader/platform';
import { accountShard, ledgerShardKeys, symbolKeys } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi, type RunningApi } from '../src/app';
import { LedgerWriters, newAccount, signedHttp, TEST_LEDGER_API, TEST_LEDGER_SHARDS, type Account } from './helpers';

/**
 * A TCP proxy in front of Redis that, once armed, forwards the next place command to Redis,
 * swallows Redis's reply and drops the client's connection: a network cut at the worst moment.
 */
class CuttingProxy {
  private armed = false;
  readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly upstreamPort: number) {
    this.server = createServer((client) => this.pipe(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  /** The next place command reaches Redis but its reply does not reach the api. */
  arm(): void {
    this.armed = true;
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let cut = false;
    client.on('data', (chunk) => {
      if (this.armed && chunk.includes('"kind":"place"')) {
        this.armed = false;
        cut = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!cut) {
        client.write(chunk);
        return;
      }
      client.destroy();
      upstream.destroy();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let redisServer: RedisServer;
let proxy: CuttingProxy;
let api: RunningApi;
let ledger: LedgerWriters;
let account: Account;
const prefix = `t-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  redisServer = await RedisServer.launch();
  proxy = new CuttingProxy(redisServer.port);
  const port = await proxy.listen();
  api = await startApi({ redisUrl: `redis://127.0.0.1:${port}`, prefix, markets: loadMarketMap(), port: 0, host: '127.0.0.1', log: createLogger('test', 'silent'), appendConnections: 1,
    // The key is looked up once: the cut must hit the place, not an API key lookup.
    auth: { cacheMs: 60_000 },
    ...TEST_LEDGER_API,
  });
  // The ledger talks to Redis directly: only the api's connections go through the cutting proxy.
  ledger = new LedgerWriters(redisServer.url, prefix, TEST_LEDGER_SHARDS);
  ledger.start();
  account = await newAccount(api.url);
});
afterAll(async () => {
  await ledger?.stop();
  await api?.close();
  await proxy?.close();
  await redisServer?.destroy();
});

test('a place whose reply was lost is not appended again after the reconnect; the 503 says so', async () => {
  const redis = redisServer.client();
  const stream = symbolKeys('BTC-KRW', prefix).commands;
  const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.1, client_order_id: 'cut-1' };
  // One order first, so the place script is loaded and the next place is a single command.
  expect((await signedHttp(account, 'POST', `${api.url}/api/v1/order`, { ...order, client_order_id: 'warm-up' })).status).toBe(202);
  const before = await redis.xlen(stream);
  // Places go to the account's ledger shard first, which forwards them to the symbol.
  const shardCommands = ledgerShardKeys(accountShard(account.accountId, TEST_LEDGER_SHARDS), prefix).commands;
  const shardBefore = await redis.xlen(shardCommands);

  proxy.arm();
  const cut = await signedHttp(account, 'POST', `${api.url}/api/v1/order`, order);
  expect(cut.status).toBe(503);
  expect(cut.body.error).toBe('SERVICE_UNAVAILABLE');
  expect(cut.body.message).toMatch(/may or may not have been appended; retry with the same client_order_id/);
  // Redis ran the place once; the reconnect must not have run it again.
  expect(await redis.xlen(shardCommands)).toBe(shardBefore + 1);

  // The retry (repeated while the api reconnects) finds the first order instead of placing a second.
  const retry = await waitFor('the api to reconnect', async () => {
    const r = await signedHttp(account, 'POST', `${api.url}/api/v1/order`, order);
    return r.status === 503 ? undefined : r;
  });
  expect(retry.status).toBe(202);
  expect(await redis.xlen(stream)).toBe(before + 1);
  const [, fields] = (await redis.xrange(stream, '-', '+')).at(-1)!;
  expect(JSON.parse(fields[1]).order_id).toBe(retry.body.order_id);
  redis.disconnect();
}, 30_000);
