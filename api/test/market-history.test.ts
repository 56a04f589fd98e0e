import { waitFor } from '@xtrader/platform';
import { KlinesResponse, symbolKeys, type Candle } from '@xtrader/protocol';
import { MarketData } from '../../engine/src/marketdata';
import { EngineScripts, writeMarketData } from '../../engine/src/runner';
import { http, startStack, type Stack } from './helpers';

/** An api node alone (no engines): the market data is written here the way the engine commits it. */
let stack: Stack;
let base: string;
const T0 = Date.UTC(2026, 0, 5, 8);
const MIN = 60_000;
const MINUTES = 300;

beforeAll(async () => {
  stack = await startStack({ engines: false });
  base = `${stack.api.url}/api/v1`;
  const spec = stack.markets.get('AAPL')!;
  const md = new MarketData(spec);
  const keys = symbolKeys('AAPL', stack.prefix);
  for (let m = 0; m < MINUTES; m++) {
    const ts = T0 + m * MIN + 5;
    md.advance(ts);
    md.apply({ v: 1, seq: 2 * m + 1, ts, kind: 'trade', trade_id: `AAPL-${m}`, taker_order_id: `t${m}`, maker_order_id: `m${m}`, taker_side: 'Buy', price_ticks: 10_000 + m, qty_lots: 1 + m, taker_fee: 0, maker_fee: 0, taker_remaining_lots: 0, maker_remaining_lots: 0 });
    const scripts = new EngineScripts(stack.redis);
    const tx = scripts.multi();
    writeMarketData(tx, scripts, keys, md.takeChanges());
    await tx.exec();
  }
});
afterAll(async () => {
  await stack?.stop();
});

async function klines(query: string): Promise<Candle[]> {
  const res = await http('GET', `${base}/klines/AAPL/1m${query}`);
  expect(res.status).toBe(200);
  return KlinesResponse.parse(res.body).candles;
}
const minutes = (cs: Candle[]) => cs.map((c) => (c.open_time - T0) / MIN);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('klines history', () => {
  test('without bounds: the most recent candles, oldest first, each as traded', async () => {
    const cs = await klines('');
    expect(minutes(cs)).toEqual(range(MINUTES - 100, MINUTES - 1));
    expect(cs[0]).toEqual({ open_time: T0 + 200 * MIN, close_time: T0 + 201 * MIN - 1, open: 102, high: 102, low: 102, close: 102, volume: 201, trade_count: 1 });
  });

  test('end pages back through history without gaps or overlaps', async () => {
    const seen: number[] = [];
    let end: number | undefined;
    for (;;) {
      const page = await klines(`?limit=70${end === undefined ? '' : `&end=${end}`}`);
      if (page.length === 0) break;
      seen.unshift(...minutes(page));
      end = page[0].open_time - 1;
    }
    expect(seen).toEqual(range(0, MINUTES - 1));
  });

  test('start reads forward from a time; start and end bound both sides', async () => {
    expect(minutes(await klines(`?start=${T0 + 10 * MIN}&limit=5`))).toEqual(range(10, 14));
    expect(minutes(await klines(`?start=${T0 + 10 * MIN + 1}&end=${T0 + 12 * MIN}`))).toEqual([11, 12]);
    expect(minutes(await klines(`?end=${T0 + 150 * MIN}&limit=3`))).toEqual([148, 149, 150]);
    expect(await klines(`?end=${T0 - 1}`)).toEqual([]);
  });

  test('longer intervals aggregate the same trades', async () => {
    const res = await http('GET', `${base}/klines/AAPL/1h`);
    const cs = KlinesResponse.parse(res.body).candles;
    expect(cs).toHaveLength(5);
    expect(cs[0]).toEqual({ open_time: T0, close_time: T0 + 60 * MIN - 1, open: 100, high: 100.59, low: 100, close: 100.59, volume: (60 * 61) / 2, trade_count: 60 });
  });

  test('while Redis is down the routes answer 503 with a clear error, and serve again once it is back', async () => {
    await stack.redisServer.stop();
    for (const path of ['/klines/AAPL/1m', '/trades/AAPL', '/orderbook/AAPL', '/statistics/AAPL']) {
      const res = await http('GET', `${base}${path}`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('market data is unavailable') });
    }
    // Symbols come from config, not Redis.
    expect((await http('GET', `${base}/symbols`)).status).toBe(200);
    await stack.redisServer.start(); // empty: this server keeps no data across restarts
    const back = await waitFor('the api to reconnect to Redis', async () => {
      const res = await http('GET', `${base}/trades/AAPL`);
      return res.status === 200 ? res.body : undefined;
    });
    expect(back).toEqual({ symbol: 'AAPL', trades: [] });
  });
});
