import {
  KlinesResponse,
  MarketStatistics,
  OrderBookResponse,
  SymbolsResponse,
  TradesResponse,
  describeMarket,
} from '@xtrader/protocol';
import { http, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
let base: string;
/** The buyer of the trades (the stack's account sells): one account's orders never trade with each other. */
let buyer: Account;
beforeAll(async () => {
  stack = await startStack();
  buyer = await newAccount(stack.api.url);
  base = `${stack.api.url}/api/v1`;
});
afterAll(async () => {
  await stack?.stop();
});

const order = (side: 'Buy' | 'Sell', price: number, quantity: number) => ({ symbol: 'AAPL', side, type: 'Limit', price, quantity });

describe('market data over REST', () => {
  test('an empty market answers with empty lists and null prices, not errors', async () => {
    const book = await signedHttp(stack.account, 'GET', `${base}/orderbook/ETH-KRW`);
    expect(book.status).toBe(200);
    expect(OrderBookResponse.parse(book.body).orderbook).toMatchObject({ symbol: 'ETH-KRW', bids: [], asks: [], sequence: 0 });
    const klines = await http('GET', `${base}/klines/ETH-KRW/5m`);
    expect(KlinesResponse.parse(klines.body)).toEqual({ symbol: 'ETH-KRW', interval: '5m', candles: [] });
    const trades = await http('GET', `${base}/trades/ETH-KRW`);
    expect(TradesResponse.parse(trades.body)).toEqual({ symbol: 'ETH-KRW', trades: [] });
    const stats = await http('GET', `${base}/statistics/ETH-KRW`);
    expect(MarketStatistics.parse(stats.body)).toMatchObject({ symbol: 'ETH-KRW', last_price: null, price_change_24h: 0, volume_24h: 0, high_price_24h: null, low_price_24h: null });
  });

  test('after a trade every route shows it, in the SPEC shapes', async () => {
    const sell = await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, order('Sell', 150.25, 10));
    await signedHttp(stack.account, 'POST', `${base}/order?wait=true`, order('Sell', 151, 3));
    await signedHttp(buyer, 'POST', `${base}/order?wait=true`, order('Buy', 149.5, 7));
    const buy = await signedHttp(buyer, 'POST', `${base}/order?wait=true`, order('Buy', 150.25, 4));
    expect(buy.body.status).toBe('FILLED');

    const book = await signedHttp(stack.account, 'GET', `${base}/orderbook/AAPL?depth=15`);
    expect(book.status).toBe(200);
    const ob = OrderBookResponse.parse(book.body).orderbook;
    expect(Object.keys(ob).sort()).toEqual(['asks', 'bids', 'sequence', 'symbol', 'timestamp']);
    expect(ob).toMatchObject({ symbol: 'AAPL', bids: [[149.5, 7]], asks: [[150.25, 6], [151, 3]] });
    expect(ob.sequence).toBeGreaterThan(0);
    expect(OrderBookResponse.parse((await signedHttp(stack.account, 'GET', `${base}/orderbook/AAPL?depth=1`)).body).orderbook.asks).toEqual([[150.25, 6]]);

    const trades = TradesResponse.parse((await http('GET', `${base}/trades/AAPL`)).body);
    expect(trades.trades).toEqual([
      { exec_id: expect.stringMatching(/^AAPL-\d+$/), symbol: 'AAPL', price: 150.25, quantity: 4, side: 'Buy', timestamp: expect.any(Number), sequence: expect.any(Number) },
    ]);
    expect(buy.body.fills[0].exec_id).toBe(trades.trades[0].exec_id);
    expect(sell.body.order_id).toBe(buy.body.fills[0].counter_order_id);

    for (const interval of ['1m', '5m', '15m', '30m', '1h', '4h', '1d']) {
      const k = await http('GET', `${base}/klines/AAPL/${interval}?limit=100`);
      expect(k.status).toBe(200);
      const parsed = KlinesResponse.parse(k.body);
      expect(parsed.candles).toHaveLength(1);
      const c = parsed.candles[0];
      expect(Object.keys(k.body.candles[0]).sort()).toEqual(['close', 'close_time', 'high', 'low', 'open', 'open_time', 'trade_count', 'volume']);
      expect(c).toMatchObject({ open: 150.25, high: 150.25, low: 150.25, close: 150.25, volume: 4, trade_count: 1 });
      expect(c.open_time).toBeLessThanOrEqual(trades.trades[0].timestamp);
      expect(c.close_time).toBeGreaterThanOrEqual(trades.trades[0].timestamp);
    }

    const stats = await http('GET', `${base}/statistics/AAPL`);
    expect(MarketStatistics.parse(stats.body)).toMatchObject({
      symbol: 'AAPL',
      last_price: 150.25,
      price_change_24h: 0,
      volume_24h: 4,
      high_24h: 150.25,
      low_24h: 150.25,
      high_price_24h: 150.25,
      low_price_24h: 150.25,
    });
    expect(stats.body.timestamp).toBe(trades.trades[0].timestamp);
  });

  test('/symbols describes every configured market', async () => {
    const res = await http('GET', `${base}/symbols`);
    expect(res.status).toBe(200);
    const body = SymbolsResponse.parse(res.body);
    expect(body.symbols).toEqual([...stack.markets.values()].map(describeMarket));
    expect(body.symbols.find((s) => s.symbol === 'AAPL')).toMatchObject({ tick_size: '0.01', price_decimals: 2, quantity_decimals: 0 });
  });

  test.each([
    ['/orderbook/DOGE-KRW', 'SYMBOL_NOT_FOUND'],
    ['/klines/DOGE-KRW/5m', 'SYMBOL_NOT_FOUND'],
    ['/trades/DOGE-KRW', 'SYMBOL_NOT_FOUND'],
    ['/statistics/DOGE-KRW', 'SYMBOL_NOT_FOUND'],
    ['/klines/AAPL/2m', 'INVALID_INTERVAL'],
    ['/klines/AAPL/1M', 'INVALID_INTERVAL'],
    ['/orderbook/AAPL?depth=0', 'INVALID_DEPTH'],
    ['/orderbook/AAPL?depth=51', 'INVALID_DEPTH'],
    ['/orderbook/AAPL?depth=ten', 'INVALID_DEPTH'],
    ['/orderbook/AAPL?depth=1.5', 'INVALID_DEPTH'],
    ['/orderbook/AAPL?depth=5&depth=6', 'INVALID_DEPTH'],
    ['/klines/AAPL/5m?limit=0', 'INVALID_LIMIT'],
    ['/klines/AAPL/5m?limit=1001', 'INVALID_LIMIT'],
    ['/trades/AAPL?limit=-1', 'INVALID_LIMIT'],
    ['/trades/AAPL?limit=1001', 'INVALID_LIMIT'],
    ['/klines/AAPL/5m?start=yesterday', 'INVALID_REQUEST'],
    ['/klines/AAPL/5m?end=-5', 'INVALID_REQUEST'],
    ['/klines/AAPL/5m?start=2000&end=1000', 'INVALID_REQUEST'],
  ])('GET %s -> 400 %s', async (path, code) => {
    const res = await http('GET', `${base}${path}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: code, message: expect.any(String) });
    expect(res.body.message.length).toBeGreaterThan(10);
  });

  test('limits at the maximum are accepted', async () => {
    expect((await signedHttp(stack.account, 'GET', `${base}/orderbook/AAPL?depth=50`)).status).toBe(200);
    expect((await http('GET', `${base}/klines/AAPL/1d?limit=1000`)).status).toBe(200);
    expect((await http('GET', `${base}/trades/AAPL?limit=1000`)).status).toBe(200);
  });
});
