/**
 * Crash drill: 10,000 orders flow through a real api node while the engine process is killed
 * with SIGKILL at random moments and restarted. Afterwards every 202-accepted order must be in
 * exactly one state, equal to a fault-free run of the same command stream, and the committed
 * event stream (hence the trade list) must equal that run's, with nothing applied twice.
 */
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer, seededRandom, waitFor } from '@xtrader/platform';
import { symbolKeys, type EngineEvent, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi, type RunningApi } from '../../../api/src/app';
import { LedgerWriters, newAccount, signedHttp, TEST_LEDGER_API, TEST_LEDGER_SHARDS, type Account } from '../../../api/test/helpers';
import { allCommands, committedEvents, EngineProcess, referenceRun, storedOrder } from './helpers';

const ORDERS = 10_000;
const CONCURRENCY = 16;

let server: RedisServer;
let redis: Redis;
let api: RunningApi;
let ledger: LedgerWriters;
let spec: MarketSpec;
/** Buys and sells come from two accounts: one account's orders never trade with each other. */
let accounts: Record<'Buy' | 'Sell', Account>;
const prefix = `t-${randomBytes(4).toString('hex')}`;
const keys = symbolKeys('BTC-KRW', prefix);

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  const markets = loadMarketMap();
  spec = markets.get('BTC-KRW')!;
  // The drill is about engine crashes, not availability: a restart that takes long on a loaded
  // machine must not turn orders into 503 MARKET_UNAVAILABLE (tested in api/test/market-readiness).
  api = await startApi({ redisUrl: server.url, prefix, markets, port: 0, host: '127.0.0.1', log: createLogger('api', 'silent'), marketHealth: { checkMs: 1_000, graceMs: 3_600_000 }, ...TEST_LEDGER_API });
  ledger = new LedgerWriters(server.url, prefix, TEST_LEDGER_SHARDS);
  ledger.start();
  const [buyer, seller] = await Promise.all([newAccount(api.url), newAccount(api.url)]);
  accounts = { Buy: buyer, Sell: seller };
});
afterAll(async () => {
  await ledger?.stop();
  await api?.close();
  redis?.disconnect();
  await server?.destroy();
});

const engineEnv = () => ({
  REDIS_URL: server.url,
  XT_PREFIX: prefix,
  ENGINE_LEASE_MS: '1000',
  ENGINE_BLOCK_MS: '100',
  ENGINE_BATCH_SIZE: '200',
  ENGINE_SNAPSHOT_EVERY: '700',
  ENGINE_TRIM_COMMANDS: 'false',
  // The drill waits for the position to reach the last order; clock ticks would move it past.
  ENGINE_CLOCK_MS: '0',
});

test('kill -9 the engine at random moments while 10,000 orders flow: every accepted order ends exactly once, as in a fault-free run', async () => {
  const seed = Number(process.env.XT_CRASH_SEED ?? Date.now() % 100_000);
  const random = seededRandom(seed);
  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let flowDone = false;
  const ownerOf = new Map<string, Account>();

  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= ORDERS) return;
      const side = random() < 0.5 ? 'Buy' : 'Sell';
      const market = random() < 0.1;
      const body = market
        ? { symbol: 'BTC-KRW', side, type: 'Market', quantity: (1 + Math.floor(random() * 50)) / 10_000 }
        : { symbol: 'BTC-KRW', side, type: 'Limit', price: (49_990 + Math.floor(random() * 21)) * 1000, quantity: (1 + Math.floor(random() * 100)) / 10_000 };
      const res = await signedHttp(accounts[side], 'POST', `${api.url}/api/v1/order`, body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202) {
        accepted.push((res.body as { order_id: string }).order_id);
        ownerOf.set((res.body as { order_id: string }).order_id, accounts[side]);
      }
      // Now and then cancel an earlier order; the engine may be down, so do not wait long.
      if (random() < 0.08 && accepted.length > 10) {
        const victim = accepted[Math.floor(random() * accepted.length)];
        await signedHttp(ownerOf.get(victim)!, 'DELETE', `${api.url}/api/v1/order/${victim}?timeout_ms=20`);
      }
    }
  }

  const flow = Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() => {
    flowDone = true;
  });

  let kills = 0;
  const progress = process.env.XT_CRASH_DEBUG
    ? setInterval(() => void redis.get(keys.position).then((pos) => console.log({ next, accepted: accepted.length, kills, pos })), 2000)
    : undefined;
  // A handful of kills while orders flow (at least 3, also during catch-up if the flow was quick).
  while ((!flowDone && kills < 5) || kills < 3) {
    const engine = new EngineProcess(['--symbol', 'BTC-KRW'], engineEnv());
    await engine.waitFor(/lease acquired/);
    await new Promise((r) => setTimeout(r, 100 + random() * 600));
    engine.kill('SIGKILL');
    await engine.exited;
    kills++;
  }
  await flow;
  clearInterval(progress);

  // A last engine, left alone, catches up; then a clean shutdown.
  const last = new EngineProcess(['--symbol', 'BTC-KRW'], engineEnv());
  const commands = await allCommands(redis, keys);
  const lastId = commands[commands.length - 1][0];
  // Generous: on a loaded 2-core machine the last engine may have a large backlog to apply.
  await waitFor(`the last engine to catch up to ${lastId}`, async () => (await redis.get(keys.position)) === lastId, { timeoutMs: 150_000, intervalMs: 50 }).catch(async (e: Error) => {
    const detail = { position: await redis.get(keys.position), heartbeat: await redis.get(keys.heartbeat), lease: await redis.get(keys.lease), alive: last.child.exitCode === null };
    throw new Error(`${e.message} (seed ${seed}): ${JSON.stringify(detail)}\n${last.lines.slice(-15).join('\n')}`);
  });
  last.kill('SIGTERM');
  expect(await last.exited).toBe(0);
  expect(await redis.get(keys.lease)).toBeNull();

  expect(Object.fromEntries(statuses)).toEqual({ 202: ORDERS });
  expect(kills).toBeGreaterThanOrEqual(3);

  const ref = referenceRun(spec, commands);
  const committed = await committedEvents(redis, keys);
  // Nothing applied twice, nothing missing: the committed stream is the fault-free one.
  expect(committed.length).toBe(ref.events.length);
  expect(committed).toEqual(ref.events);
  const trades = (evs: [string, EngineEvent[]][]) => evs.flatMap(([, e]) => e.filter((x) => x.kind === 'trade'));
  expect(trades(committed).length).toBeGreaterThan(100);
  expect(trades(committed)).toEqual(trades(ref.events));

  // Every accepted order: placed exactly once on the stream, in one final state equal to the reference.
  const placedCount = new Map<string, number>();
  for (const [, f] of commands) {
    const c = JSON.parse(f[1]) as { kind: string; order_id: string };
    if (c.kind === 'place') placedCount.set(c.order_id, (placedCount.get(c.order_id) ?? 0) + 1);
  }
  const stored = await Promise.all(accepted.map((id) => storedOrder(redis, spec, keys, id)));
  const mismatched: string[] = [];
  accepted.forEach((id, i) => {
    if (placedCount.get(id) !== 1) mismatched.push(`${id}: placed ${placedCount.get(id) ?? 0} times`);
    const view = stored[i];
    if (JSON.stringify(view) !== JSON.stringify(ref.views.get(id))) mismatched.push(`${id}: stored ${JSON.stringify(view)} expected ${JSON.stringify(ref.views.get(id))}`);
  });
  expect({ seed, mismatched: mismatched.slice(0, 5), count: mismatched.length }).toEqual({ seed, mismatched: [], count: 0 });
}, 360_000);
