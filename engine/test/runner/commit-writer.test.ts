import Redis from 'ioredis';
import { RedisServer } from '@xtrader/platform';
import { FIELDS, symbolKeys, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { CommitWriter, EngineScripts, eventRow, PositionMovedError, SymbolState, type BatchCommit } from '../../src/runner';
import { place } from './helpers';

let server: RedisServer;
let redis: Redis;
let spec: MarketSpec;

beforeAll(async () => {
  server = await RedisServer.launch();
  redis = server.client();
  spec = loadMarketMap().get('BTC-KRW')!;
});
afterAll(async () => {
  redis.disconnect();
  await server.destroy();
});

// A reconnect after a commit of unknown fate must never write a batch a second time.
test('a batch sent twice is committed once: the second commit finds the position moved and writes nothing', async () => {
  const keys = symbolKeys('BTC-KRW', 'cw');
  const conn = new Redis(server.url);
  try {
    const scripts = new EngineScripts(conn);
    const token = (await scripts.acquireLease(keys, 'e1', 60_000, ''))!;
    const writer = new CommitWriter(conn, scripts, keys, { symbol: 'BTC-KRW', leaseMs: 60_000, feedMaxLen: 1000, finishedTtlS: 60 });
    const state = SymbolState.fresh(spec);
    const ids = ['1700000000000-0', '1700000000001-0'];
    const rows = [place('s1', 'Sell', 50_000, 5), place('b1', 'Buy', 50_000, 5)].map((cmd, i) => eventRow(state.applyEntry([ids[i], [FIELDS.command, JSON.stringify(cmd)]])));
    const batch: BatchCommit = {
      startPosition: '0-0',
      firstId: ids[0],
      lastId: ids[1],
      lastSeq: state.core.lastSequence,
      eventRows: rows,
      orders: state.orders.takeBatch(),
      market: state.md.takeChanges(),
      heartbeat: '{}',
    };
    await writer.send(writer.encode(batch), token);
    const once = { position: await redis.get(keys.position), events: await redis.xlen(keys.events), feed: await redis.xlen(keys.feed), trades: await redis.llen(keys.trades) };
    expect(once).toEqual({ position: ids[1], events: 1, feed: expect.any(Number) as number, trades: 1 });

    await expect(writer.send(writer.encode(batch), token)).rejects.toBeInstanceOf(PositionMovedError);
    expect({ position: await redis.get(keys.position), events: await redis.xlen(keys.events), feed: await redis.xlen(keys.feed), trades: await redis.llen(keys.trades) }).toEqual(once);
  } finally {
    conn.disconnect();
  }
});
