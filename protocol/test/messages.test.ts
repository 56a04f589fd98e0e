import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientMessage, PlaceOrderRequest, ServerMessage, StreamCommand, EngineEvent, topicOf, MarketMessage } from '../src';

/**
 * The JSON examples of the reference design, kept verbatim in the repository: the contract must
 * parse every one of them as it is written.
 */
const EXAMPLES = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'reference-examples.json'), 'utf8')) as { type: string }[];
const CLIENT_TYPES = ['Subscribe', 'Unsubscribe', 'Pong'];

describe('realtime messages', () => {
  test('every server message example of the reference design parses verbatim', () => {
    const server = EXAMPLES.filter((m) => !CLIENT_TYPES.includes(m.type));
    expect(server.length).toBeGreaterThanOrEqual(13);
    for (const example of server) {
      const parsed = ServerMessage.safeParse(example);
      expect(parsed.success ? 'ok' : parsed.error.message).toBe('ok');
    }
  });

  test('subscribe frames parse, including "all"', () => {
    for (const frame of [
      { type: 'Subscribe', channels: ['executions', 'orderbook', 'statistics', 'candles'], symbols: ['BTC-KRW'] },
      { type: 'Unsubscribe', channels: ['all'], symbols: ['BTC-KRW'] },
      { type: 'Subscribe', channels: ['candles'], symbols: ['BTC-KRW'], intervals: ['5m'] },
      { type: 'Subscribe', channels: 'all', symbols: 'all' },
      { type: 'Pong', timestamp: 1 },
    ]) {
      expect(ClientMessage.safeParse(frame).success).toBe(true);
    }
    expect(ClientMessage.safeParse({ type: 'Subscribe' }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'Shout', channels: ['x'] }).success).toBe(false);
  });

  test("the reference design's client frames parse as client messages", () => {
    const frames = EXAMPLES.filter((m) => CLIENT_TYPES.includes(m.type));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(ClientMessage.safeParse(frame).success).toBe(true);
  });

  test('each market message has one topic', () => {
    const [exec, book, stats, candle] = EXAMPLES.slice(0, 4).map((m) => MarketMessage.parse(m));
    expect([exec, book, stats, candle].map(topicOf)).toEqual(['executions:BTC-KRW', 'orderbook:BTC-KRW', 'statistics:BTC-KRW', 'candles:BTC-KRW_1m']);
  });
});

describe('REST bodies', () => {
  test("the reference design's order body parses; unknown fields are refused", () => {
    expect(PlaceOrderRequest.safeParse({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50000000, quantity: 0.5 }).success).toBe(true);
    expect(PlaceOrderRequest.safeParse({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 1, quantity: 1, leverage: 100 }).success).toBe(false);
    expect(PlaceOrderRequest.safeParse({ symbol: 'BTC-KRW', side: 'buy', type: 'Limit', quantity: 1 }).success).toBe(false);
  });
});

describe('stream commands and engine events are versioned', () => {
  test('a place command round-trips through JSON', () => {
    const cmd = { v: 1, kind: 'place', order_id: 'o1', side: 'Buy', type: 'Limit', tif: 'GTC', price_ticks: 50000, qty_lots: 5000 };
    expect(StreamCommand.parse(JSON.parse(JSON.stringify(cmd)))).toEqual(cmd);
    expect(StreamCommand.safeParse({ ...cmd, v: 2 }).success).toBe(false);
  });

  test('a trade event carries exact integers', () => {
    const trade = { v: 1, seq: 7, ts: 1, kind: 'trade', trade_id: 'BTC-KRW-7', taker_order_id: 'a', maker_order_id: 'b', taker_side: 'Sell', price_ticks: 50000, qty_lots: 1, taker_fee: 1, maker_fee: 1, taker_remaining_lots: 0, maker_remaining_lots: 0 };
    expect(EngineEvent.parse(trade)).toEqual(trade);
    expect(EngineEvent.safeParse({ ...trade, qty_lots: 0.5 }).success).toBe(false);
  });
});
