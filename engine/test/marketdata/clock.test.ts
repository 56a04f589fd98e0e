import Redis from 'ioredis';
import { RedisServer, waitFor } from '@xtrader/platform';
import { FIELDS, StreamCommand, symbolKeys } from '@xtrader/protocol';
import { startClockScheduler, type ClockScheduler } from '../../src/clock';

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await RedisServer.launch();
  redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
});

const SYMBOLS = ['BTC-KRW', 'ETH-KRW', 'AAPL'];
const EVERY = 200;

describe('clock scheduler', () => {
  test('three nodes running it append one clock command per period to every symbol, not one per node', async () => {
    const prefix = `t-${Math.random().toString(36).slice(2, 8)}`;
    const started = Date.now();
    const nodes: ClockScheduler[] = [];
    for (let i = 0; i < 3; i++) nodes.push(startClockScheduler({ redisUrl: server.url, prefix, symbols: SYMBOLS, everyMs: EVERY }));
    await Promise.all(nodes.map((n) => n.ready));
    const streams = SYMBOLS.map((s) => symbolKeys(s, prefix).commands);
    await waitFor('eight ticks', async () => (await redis.xlen(streams[0])) >= 8, { timeoutMs: 15_000 });
    await Promise.all(nodes.map((n) => n.close()));
    const elapsed = Date.now() - started;

    const entries = await Promise.all(streams.map((s) => redis.xrange(s, '-', '+')));
    for (const list of entries) {
      for (const [, fields] of list) expect(StreamCommand.parse(JSON.parse(fields[1]))).toEqual({ v: 1, kind: 'clock' });
      expect(list[0][1][0]).toBe(FIELDS.command);
    }
    // Every symbol got the same ticks (within the one being appended when we looked).
    const counts = entries.map((l) => l.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // One tick per period (a late job does not add one): a tick per node would triple the count.
    expect(Math.max(...counts)).toBeLessThanOrEqual(Math.floor(elapsed / EVERY) + 1);
  });

  test('a node started while Redis is down joins the clock once Redis is up, and closes cleanly either way', async () => {
    const down = await RedisServer.launch();
    await down.stop();
    const errors: Error[] = [];
    const prefix = `t-${Math.random().toString(36).slice(2, 8)}`;
    const node = startClockScheduler({ redisUrl: down.url, prefix, symbols: ['AAPL'], everyMs: EVERY, onError: (e) => errors.push(e) });
    await waitFor('the first connection error to be reported', async () => errors.length > 0, { timeoutMs: 15_000 });
    await down.start();
    await node.ready;
    const probe = new Redis(down.url, { maxRetriesPerRequest: 1 });
    await waitFor('ticks after Redis came up', async () => (await probe.xlen(symbolKeys('AAPL', prefix).commands)) >= 2, { timeoutMs: 15_000 });
    probe.disconnect();
    await node.close();
    await down.destroy();
    const never = startClockScheduler({ redisUrl: 'redis://127.0.0.1:1', prefix, symbols: ['AAPL'], everyMs: EVERY });
    await never.close(); // shutting down while Redis never came: returns, does not hang
  });

  test('after close no node ticks any more', async () => {
    const prefix = `t-${Math.random().toString(36).slice(2, 8)}`;
    const node = startClockScheduler({ redisUrl: server.url, prefix, symbols: ['AAPL'], everyMs: EVERY });
    await node.ready;
    const stream = symbolKeys('AAPL', prefix).commands;
    await waitFor('two ticks', async () => (await redis.xlen(stream)) >= 2, { timeoutMs: 15_000 });
    await node.close();
    await node.close(); // idempotent, as SIGTERM handlers may call it twice
    const len = await redis.xlen(stream);
    // Absence of an event cannot be awaited: watch for three periods.
    await new Promise((r) => setTimeout(r, 3 * EVERY));
    expect(await redis.xlen(stream)).toBe(len);
  });
});
