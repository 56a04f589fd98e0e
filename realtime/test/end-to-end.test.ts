import { RedisServer, freePort } from '@xtrader/platform';
import { NodeProcess, SioClient, WsClient, randomPrefix, spawnService, subscribe } from './support';
import { newAccount, signedHttp, TEST_LEDGER_ENV } from '../../api/test/helpers';

/**
 * A real trade, end to end: orders through the api, matched by the engine, pushed by two realtime
 * nodes to a socket.io client and a /ws client.
 */
test('a trade placed through the api reaches socket.io and /ws clients on two nodes, identically', async () => {
  const redis = await RedisServer.launch();
  const prefix = randomPrefix();
  const env = { REDIS_URL: redis.url, XT_PREFIX: prefix, LOG_LEVEL: 'info' };
  const apiPort = await freePort();
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const [engine, ledger, api, nodeA, nodeB] = await Promise.all([
      spawnService('engine/src/main.ts', ['--symbol', 'BTC-KRW'], env, 'engine started'),
      spawnService('ledger/src/main.ts', [], { ...env, ...TEST_LEDGER_ENV }, 'ledger started'),
      spawnService('api/src/main.ts', [], { ...env, ...TEST_LEDGER_ENV, PORT: String(apiPort), HOST: '127.0.0.1' }, 'api listening'),
      NodeProcess.start(env),
      NodeProcess.start(env),
    ]);
    stops.push(() => engine.stop(), () => ledger.stop(), () => api.stop(), () => nodeA.stop(), () => nodeB.stop());

    const clients = [await SioClient.connect(nodeA.url, 'e2e'), await WsClient.connect(nodeB.url, 'e2e')];
    stops.push(async () => clients.forEach((c) => c.close()));
    for (const c of clients) {
      await subscribe(c, { channels: ['executions', 'orderbook', 'statistics', 'candles'], symbols: ['BTC-KRW'], intervals: ['1m'] });
      await c.next((m) => m.type === 'MarketStatistics');
    }

    // Two accounts: one account's orders never trade with each other (self-trade prevention).
    const seller = await newAccount(`http://127.0.0.1:${apiPort}`);
    const buyer = await newAccount(`http://127.0.0.1:${apiPort}`);
    const order = async (body: { side: string; [field: string]: unknown }) => {
      const res = await signedHttp(body.side === 'Sell' ? seller : buyer, 'POST', `http://127.0.0.1:${apiPort}/api/v1/order`, body);
      expect(res.status).toBe(202);
      return (res.body as { order_id: string }).order_id;
    };
    const maker = await order({ symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 50_000_000, quantity: 0.5 });
    const taker = await order({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.2 });

    for (const c of clients) {
      const exec = await c.next((m) => m.type === 'Execution', 0, 20_000);
      expect(exec).toMatchObject({ symbol: 'BTC-KRW', side: 'Buy', price: 50_000_000, quantity: 0.2, order_id: taker, maker_order_id: maker });
      // The book after the trade: 0.3 left at the ask.
      await c.next((m) => m.type === 'OrderBookUpdate' && JSON.stringify(m.asks) === JSON.stringify([[50_000_000, 0.3]]), 0, 20_000);
      await c.next((m) => m.type === 'MarketStatistics' && m.last_price === 50_000_000, 0, 20_000);
      await c.next((m) => m.type === 'CandlestickUpdate' && m.interval === '1m' && (m.candle as { close: number }).close === 50_000_000, 0, 20_000);
    }
    // Live messages (sequence > 0; the state of a fresh market has sequence 0) match on both nodes.
    const live = (c: (typeof clients)[number]) =>
      c.messages.filter((m) => ['Execution', 'OrderBookUpdate', 'MarketStatistics', 'CandlestickUpdate'].includes(m.type) && Number(m.sequence) > 0).map((m) => `${m.type}#${m.sequence}`);
    const reference = live(clients[0]);
    expect(reference.length).toBeGreaterThanOrEqual(4);
    await clients[1].until('as many live messages', () => live(clients[1]).length >= reference.length);
    expect(live(clients[1]).slice(0, reference.length)).toEqual(reference);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await redis.destroy();
  }
});
