import type Redis from 'ioredis';
import { createLogger, RedisServer, waitFor } from '@xtrader/platform';
import { DEFAULT_ORDER_FILLS_MAX, entryField, FIELDS, symbolKeys, type MarketMessage, type MarketSpec, type PlaceCommand } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { SymbolRunner } from '../../src/runner';
import { appendAll, place, storedOrder } from './helpers';

let server: RedisServer;
let redis: Redis;
let spec: MarketSpec;
let runner: SymbolRunner | undefined;

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  spec = loadMarketMap().get('BTC-KRW')!;
});
afterAll(async () => {
  await runner?.stop();
  redis.disconnect();
  await server.destroy();
});

async function executionsOnFeed(keys: ReturnType<typeof symbolKeys>): Promise<number> {
  let n = 0;
  let start = '-';
  for (;;) {
    const entries = (await redis.xrange(keys.feed, start, '+', 'COUNT', 20_000)) as [string, string[]][];
    for (const [, fields] of entries) if ((JSON.parse(entryField(fields, FIELDS.message)!) as MarketMessage).type === 'Execution') n++;
    if (entries.length < 20_000) return n;
    start = `(${entries[entries.length - 1][0]}`;
  }
}

// One order may change any number of orders: its batch must still commit as a whole.
test('a market order that sweeps 200,000 resting orders commits, every Execution reaches the feed, and the symbol keeps trading', async () => {
  const N = 200_000;
  const keys = symbolKeys('BTC-KRW', 'sweep');
  // A long lease and read deadline: on a loaded machine restoring a snapshot of this book takes
  // seconds (what this test is about is the sweep's commit, not the lease's timing).
  runner = new SymbolRunner({ spec, redisUrl: server.url, prefix: 'sweep', engineId: 'e1', log: createLogger('test', process.env.SWEEP_LOG ?? 'silent'), feedMaxLen: N + 10_000, leaseMs: 60_000, blockMs: 5_000 });
  void runner.start();
  await runner.whenLeader();
  const makers: PlaceCommand[] = [];
  for (let i = 0; i < N; i++) makers.push(place(`m${i}`, 'Sell', 50_000, 1));
  await appendAll(redis, keys, makers);
  const sweep = await appendAll(redis, keys, [place('taker', 'Buy', null, N)]);
  await waitFor('the sweep to be committed', async () => (await redis.get(keys.position)) === sweep, { timeoutMs: 400_000, intervalMs: 200 }).catch(async (e: Error) => {
    throw new Error(`${e.message}: position ${await redis.get(keys.position)} of ${sweep}, ${await redis.xlen(keys.feed)} feed entries`);
  });

  expect(await executionsOnFeed(keys)).toBe(N);
  const taker = await storedOrder(redis, spec, keys, 'taker');
  // It shows its most recent fills and counts every one.
  expect({ status: taker?.status, fills: taker?.fills.length, fills_total: taker?.fills_total }).toEqual({ status: 'FILLED', fills: DEFAULT_ORDER_FILLS_MAX, fills_total: N });
  expect((await storedOrder(redis, spec, keys, `m${N - 1}`))?.status).toBe('FILLED');

  // The market goes on: a new pair of orders trades.
  const after = await appendAll(redis, keys, [place('s-after', 'Sell', 50_000, 1), place('b-after', 'Buy', 50_000, 1)]);
  await waitFor('the next orders to be committed', async () => (await redis.get(keys.position)) === after, { timeoutMs: 30_000 });
  expect((await storedOrder(redis, spec, keys, 'b-after'))?.status).toBe('FILLED');
}, 480_000);
