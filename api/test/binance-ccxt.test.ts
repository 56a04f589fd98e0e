import * as ccxt from 'ccxt';
import { newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';
import { binanceClient } from './support/binance-client';

/**
 * The real CCXT client (`ccxt.binance`, URLs pointed at a running stack) trades on xTrader, and
 * what it reads matches what `/api/v1` says about the same orders, trades and balances.
 */
let stack: Stack;
let v1: string;
let maker: Account;
let taker: Account;
let bot: ccxt.binance;

beforeAll(async () => {
  stack = await startStack();
  v1 = `${stack.api.url}/api/v1`;
  [maker, taker] = await Promise.all([newAccount(stack.api.url), newAccount(stack.api.url)]);
  bot = binanceClient(stack.api.url, taker);
});
afterAll(async () => {
  await stack?.stop();
});

/** The maker's resting order through `/api/v1`, once the engine has it. */
async function rest(side: 'Buy' | 'Sell', price: number, quantity: number, symbol = 'BTC-KRW') {
  const r = await signedHttp(maker, 'POST', `${v1}/order?wait=true`, { symbol, side, type: 'Limit', price, quantity });
  expect(r.status).toBe(200);
  return r.body;
}

/** The taker's own order as `/api/v1` lists it, found by its client order id. */
async function v1Order(clientOrderId: string) {
  const r = await signedHttp(taker, 'GET', `${v1}/orders?symbol=BTC-KRW&status=all`);
  expect(r.status).toBe(200);
  return (r.body.orders as { client_order_id?: string }[]).find((o) => o.client_order_id === clientOrderId) as any;
}

describe('CCXT binance against xTrader', () => {
  test('loadMarkets reads every listed market with its tick, lot and bounds from exchangeInfo', async () => {
    const markets = await bot.loadMarkets();
    const symbols = (await signedHttp(taker, 'GET', `${v1}/symbols`)).body.symbols as any[];
    expect(Object.keys(markets).sort()).toEqual(symbols.map((s) => `${s.base}/${s.quote}`).sort());
    for (const s of symbols) {
      const m = markets[`${s.base}/${s.quote}`]!;
      expect(m).toMatchObject({ id: `${s.base}${s.quote}`, spot: true, active: true });
      expect(m.precision).toMatchObject({ price: Number(s.tick_size), amount: Number(s.lot_size) });
      expect(m.limits.amount).toEqual({ min: Number(s.min_quantity), max: Number(s.max_quantity) });
      expect(m.limits.price!.max).toBe(Number(s.max_price));
    }
  });

  test('limit, market and post-only orders, their trades, book, ticker and candles agree with /api/v1', async () => {
    await rest('Sell', 50_000_000, 0.5);
    await rest('Sell', 51_000_000, 0.5);

    const limit = await bot.createOrder('BTC/KRW', 'limit', 'buy', 0.2, 50_000_000);
    expect(limit).toMatchObject({ status: 'closed', filled: 0.2, remaining: 0, price: 50_000_000, cost: 10_000_000, side: 'buy', type: 'limit' });
    expect(typeof limit.id).toBe('string');
    expect(Number.isInteger(Number(limit.id))).toBe(true);
    const limitV1 = await v1Order(limit.clientOrderId!);
    expect(limitV1).toMatchObject({ status: 'FILLED', filled_quantity: 0.2, side: 'Buy', price: 50_000_000 });
    expect(limit.trades.map((t) => [t.price, t.amount])).toEqual(limitV1.fills.map((f: any) => [f.price, f.quantity]));

    const market = await bot.createOrder('BTC/KRW', 'market', 'buy', 0.4);
    expect(market).toMatchObject({ status: 'closed', filled: 0.4, cost: 0.3 * 50_000_000 + 0.1 * 51_000_000, type: 'market' });
    expect(await v1Order(market.clientOrderId!)).toMatchObject({ status: 'FILLED', filled_quantity: 0.4, average_price: (0.3 * 50_000_000 + 0.1 * 51_000_000) / 0.4 });

    const maker = await bot.createOrder('BTC/KRW', 'limit', 'buy', 0.3, 49_000_000, { postOnly: true });
    expect(maker).toMatchObject({ status: 'open', postOnly: true, filled: 0, remaining: 0.3 });
    expect(await v1Order(maker.clientOrderId!)).toMatchObject({ status: 'NEW', time_in_force: 'POST_ONLY' });

    const book = await bot.fetchOrderBook('BTC/KRW');
    const bookV1 = (await signedHttp(taker, 'GET', `${v1}/orderbook/BTC-KRW?depth=50`)).body.orderbook;
    expect(book.asks).toEqual(bookV1.asks);
    expect(book.bids).toEqual(bookV1.bids);
    expect(book.asks[0]).toEqual([51_000_000, 0.4]);
    expect(book.bids[0]).toEqual([49_000_000, 0.3]);

    const trades = await bot.fetchTrades('BTC/KRW');
    const tradesV1 = (await signedHttp(taker, 'GET', `${v1}/trades/BTC-KRW`)).body.trades as any[];
    expect(trades.map((t) => [t.price, t.amount, t.side, t.timestamp])).toEqual(tradesV1.reverse().map((t) => [t.price, t.quantity, t.side.toLowerCase(), t.timestamp]));

    const ticker = await bot.fetchTicker('BTC/KRW');
    const stats = (await signedHttp(taker, 'GET', `${v1}/statistics/BTC-KRW`)).body;
    expect(ticker).toMatchObject({ symbol: 'BTC/KRW', last: stats.last_price, high: stats.high_24h, low: stats.low_24h, baseVolume: stats.volume_24h, bid: 49_000_000, ask: 51_000_000 });
    const tickers = await bot.fetchTickers();
    expect(Object.keys(tickers).sort()).toEqual(Object.keys(bot.markets!).sort());
    expect(tickers['BTC/KRW']!.last).toBe(stats.last_price);

    const candles = await bot.fetchOHLCV('BTC/KRW', '1m');
    const candlesV1 = (await signedHttp(taker, 'GET', `${v1}/klines/BTC-KRW/1m`)).body.candles as any[];
    expect(candles).toEqual(candlesV1.map((c) => [c.open_time, c.open, c.high, c.low, c.close, c.volume]));
    expect(candles.at(-1)!.slice(1, 6)).toEqual([50_000_000, 51_000_000, 50_000_000, 51_000_000, 0.6]);
  });

  test('a market buy by cost (quoteOrderQty) spends at most that, fee included, and reads as /api/v1 says', async () => {
    // The book's best ask is 51,000,000 KRW: a lot (0.0001 BTC) costs 5,100 + 5.10 taker fee, so
    // 1,000,000 KRW buy 195 lots (995,494.50 KRW with the fee); 196 would cost 1,000,599.60.
    const order = await bot.createMarketBuyOrderWithCost('BTC/KRW', 1_000_000);
    expect(order).toMatchObject({ status: 'closed', filled: 0.0195, cost: 994_500, type: 'market', side: 'buy' });
    const orderV1 = await v1Order(order.clientOrderId!);
    expect(orderV1).toMatchObject({ status: 'CANCELLED', cancel_reason: 'budget_spent', quote_quantity: 1_000_000, cumulative_quote_quantity: 994_500, filled_quantity: 0.0195 });
    expect(orderV1.fills.map((f: any) => [f.price, f.quantity, f.fee])).toEqual([[51_000_000, 0.0195, 994.5]]);
    expect(order.trades.map((t) => [t.price, t.amount, t.fee!.cost])).toEqual(orderV1.fills.map((f: any) => [f.price, f.quantity, f.fee]));
    expect(await bot.fetchOrder(order.id!, 'BTC/KRW')).toMatchObject({ status: 'closed', filled: 0.0195, cost: 994_500 });
  });

  test('selfTradePreventionMode: an EXPIRE_TAKER sell that meets its own bid expires, the bid stays', async () => {
    const order = await bot.createOrder('BTC/KRW', 'limit', 'sell', 0.0001, 49_000_000, { selfTradePreventionMode: 'EXPIRE_TAKER' });
    expect(order).toMatchObject({ status: 'expired', filled: 0 });
    expect(await v1Order(order.clientOrderId!)).toMatchObject({ status: 'CANCELLED', cancel_reason: 'SELF_TRADE_PREVENTION', self_trade_prevention: 'EXPIRE_TAKER' });
    expect((await bot.fetchOrderBook('BTC/KRW')).bids[0]).toEqual([49_000_000, 0.3]);
    await expect(bot.createOrder('BTC/KRW', 'limit', 'sell', 0.0001, 60_000_000, { selfTradePreventionMode: 'EXPIRE_SOMETIMES' })).rejects.toThrow(/-1014.*selfTradePreventionMode/);
  });

  test('fetchOrder, fetchOpenOrders, cancelOrder and cancelAllOrders act on the same orders as /api/v1', async () => {
    const a = await bot.createOrder('BTC/KRW', 'limit', 'buy', 0.1, 40_000_000);
    const b = await bot.createOrder('BTC/KRW', 'limit', 'buy', 0.2, 41_000_000);
    const c = await bot.createOrder('BTC/KRW', 'limit', 'buy', 0.3, 42_000_000);
    expect(await bot.fetchOrder(a.id!, 'BTC/KRW')).toMatchObject({ id: a.id, clientOrderId: a.clientOrderId, status: 'open', price: 40_000_000, amount: 0.1 });

    const open = await bot.fetchOpenOrders('BTC/KRW');
    const openV1 = (await signedHttp(taker, 'GET', `${v1}/orders?symbol=BTC-KRW&status=open`)).body.orders as any[];
    expect(open.map((o) => o.clientOrderId).sort()).toEqual(openV1.map((o) => o.client_order_id).sort());
    expect(open.map((o) => o.id)).toEqual(expect.arrayContaining([a.id, b.id, c.id]));

    const cancelled = await bot.cancelOrder(a.id!, 'BTC/KRW');
    expect(cancelled).toMatchObject({ id: a.id, status: 'canceled' });
    expect(await v1Order(a.clientOrderId!)).toMatchObject({ status: 'CANCELLED' });
    expect(await bot.fetchOrder(a.id!, 'BTC/KRW')).toMatchObject({ status: 'canceled', remaining: 0.1 });

    const all = await bot.cancelAllOrders('BTC/KRW');
    expect(all.map((o) => o.id).sort()).toEqual(open.filter((o) => o.id !== a.id).map((o) => o.id).sort());
    expect((await signedHttp(taker, 'GET', `${v1}/orders?symbol=BTC-KRW&status=open`)).body.orders).toEqual([]);
    expect(await bot.fetchOpenOrders('BTC/KRW')).toEqual([]);
  });

  test('fetchMyTrades and fetchBalance read the account /api/v1 reads', async () => {
    const mine = await bot.fetchMyTrades('BTC/KRW');
    const mineV1 = (await signedHttp(taker, 'GET', `${v1}/my-trades?symbol=BTC-KRW`)).body.trades as any[];
    expect(mine.map((t) => [t.price, t.amount, t.side, t.fee!.cost, t.fee!.currency, t.takerOrMaker])).toEqual(
      mineV1.reverse().map((t) => [t.price, t.quantity, t.side.toLowerCase(), t.fee, t.fee_asset, t.liquidity]),
    );
    expect(mine).toHaveLength(4);

    const balance = await bot.fetchBalance();
    const accountV1 = (await signedHttp(taker, 'GET', `${v1}/account`)).body;
    for (const b of accountV1.balances) {
      expect(balance[b.asset]).toMatchObject({ free: b.available, used: b.locked, total: b.available + b.locked });
    }
  });

  test('fetchTime, fetchBidsAsks, fetchLastPrices, fetchOrders and fetchClosedOrders', async () => {
    const before = Date.now();
    const time = await bot.fetchTime();
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());

    await rest('Buy', 48_000_000, 0.2);
    await rest('Sell', 52_000_000, 0.2);
    const bookV1 = (await signedHttp(taker, 'GET', `${v1}/orderbook/BTC-KRW?depth=1`)).body.orderbook;
    const bidsAsks = await bot.fetchBidsAsks(['BTC/KRW']);
    expect(bidsAsks['BTC/KRW']).toMatchObject({ bid: bookV1.bids[0][0], bidVolume: bookV1.bids[0][1], ask: bookV1.asks[0][0], askVolume: bookV1.asks[0][1] });
    const stats = (await signedHttp(taker, 'GET', `${v1}/statistics/BTC-KRW`)).body;
    expect((await bot.fetchLastPrices(['BTC/KRW']))['BTC/KRW']).toMatchObject({ price: stats.last_price });

    const allV1 = (await signedHttp(taker, 'GET', `${v1}/orders?symbol=BTC-KRW&status=all`)).body.orders as any[];
    const all = await bot.fetchOrders('BTC/KRW');
    expect(all.map((o) => o.clientOrderId).sort()).toEqual(allV1.map((o) => o.client_order_id).sort());
    expect(all.map((o) => Number(o.id))).toEqual([...all.map((o) => Number(o.id))].sort((a, b) => a - b));
    // CCXT's closed orders are the filled ones (cancelled ones are "canceled"), and a market buy by
    // cost that spent its budget (Binance calls it FILLED; /api/v1 says how it ended).
    const closed = await bot.fetchClosedOrders('BTC/KRW');
    const filled = allV1.filter((o) => o.status === 'FILLED' || (o.cancel_reason === 'budget_spent' && o.filled_quantity > 0));
    expect(closed.map((o) => o.clientOrderId).sort()).toEqual(filled.map((o) => o.client_order_id).sort());
  });

  test('not served, and failing visibly: fetchCurrencies, fetchTradingFees, fetchStatus (Binance wallet API, sapi)', async () => {
    const withCurrencies = binanceClient(stack.api.url, taker);
    withCurrencies.options.fetchCurrencies = true;
    await expect(withCurrencies.fetchCurrencies()).rejects.toThrow(/unserved\/sapi|no such route/);
    await expect(bot.fetchTradingFees()).rejects.toThrow(/unserved\/sapi|no such route/);
    await expect(bot.fetchStatus()).rejects.toThrow(/unserved\/sapi|no such route/);
  });

  test('timeInForce IOC and FOK: an unfilled remainder is expired, a FOK that cannot fill takes nothing', async () => {
    await rest('Sell', 3_000_000, 1, 'ETH-KRW');
    const fok = await bot.createOrder('ETH/KRW', 'limit', 'buy', 2, 3_000_000, { timeInForce: 'FOK' });
    expect(fok).toMatchObject({ status: 'expired', filled: 0, timeInForce: 'FOK' });
    const ioc = await bot.createOrder('ETH/KRW', 'limit', 'buy', 2, 3_000_000, { timeInForce: 'IOC' });
    expect(ioc).toMatchObject({ status: 'expired', filled: 1, remaining: 1, timeInForce: 'IOC' });
    const listed = (await signedHttp(taker, 'GET', `${v1}/orders?symbol=ETH-KRW&status=all`)).body.orders as any[];
    expect(listed.find((o) => o.client_order_id === fok.clientOrderId)).toMatchObject({ status: 'REJECTED', reject_reason: 'FOK_CANNOT_FILL' });
    expect(listed.find((o) => o.client_order_id === ioc.clientOrderId)).toMatchObject({ status: 'CANCELLED', filled_quantity: 1 });
  });
});
