import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClientMessage, PlaceOrderRequest, ServerMessage, StreamCommand, EngineEvent, topicOf, MarketMessage } from '../src';

/** The JSON examples of the original design, extracted from its fenced ```json blocks. */
function seedExamples(): unknown[] {
  const candidates = [resolve(__dirname, '../../../shared/seed/000_4c6d8fe8a4506208.txt'), resolve(__dirname, '../../shared/seed/000_4c6d8fe8a4506208.txt')];
  const file = candidates.find((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });
  if (!file) return [];
  const text = readFileSync(file, 'utf8');
  // One block writes alternatives as `["all"] | ["executions"]`: notation, not JSON; skip it.
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].flatMap((m) => {
    try {
      return [JSON.parse(m[1])];
    } catch {
      return [];
    }
  });
}

const SEED_INLINE = [
  { type: 'Execution', exec_id: 'e1b724c2-5e61-4aba-8b8a-47d8a5a4f111', order_id: 'f8c3de3d-1fea-4d7c-a8b0-29f63c4c3454', symbol: 'BTC-KRW', side: 'Buy', price: 50000000, quantity: 0.5, fee: 0.05, transaction_time: '2023-04-30T12:35:10.123Z' },
  { type: 'OrderBookUpdate', symbol: 'BTC-KRW', bids: [[50000000, 100], [49900000, 200]], asks: [[50010000, 50], [50100000, 75]], timestamp: 1682854510123 },
  { type: 'MarketStatistics', symbol: 'BTC-KRW', timestamp: 1682854510123, last_price: 50000000, price_change_24h: 2.5, volume_24h: 1000000, high_price_24h: 51000000, low_price_24h: 49000000 },
  { type: 'CandlestickUpdate', symbol: 'BTC-KRW', interval: '1m', candle: { open: 49900000, high: 50100000, low: 49800000, close: 50000000, volume: 1000, timestamp: 1682854500000 } },
  { type: 'Error', message: '지원하지 않는 심볼입니다' },
];

describe('realtime messages', () => {
  test('every JSON example of the original design parses verbatim', () => {
    const fromSeed = seedExamples().filter((m) => !['Subscribe', 'Unsubscribe', 'Pong'].includes((m as { type: string }).type));
    // CI has shared/ beside the clone; elsewhere the inline copies still hold the line.
    if (fromSeed.length > 0) expect(fromSeed.length).toBeGreaterThanOrEqual(13);
    for (const example of [...SEED_INLINE, ...fromSeed]) {
      const parsed = ServerMessage.safeParse(example);
      expect(parsed.success ? 'ok' : parsed.error.message).toBe('ok');
    }
  });

  test("the seed's subscribe frames parse, including \"all\"", () => {
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

  test("the seed's client frames parse as client messages", () => {
    const frames = seedExamples().filter((m) => ['Subscribe', 'Unsubscribe', 'Pong'].includes((m as { type: string }).type));
    for (const frame of frames) expect(ClientMessage.safeParse(frame).success).toBe(true);
  });

  test('each market message has one topic', () => {
    const [exec, book, stats, candle] = SEED_INLINE.slice(0, 4).map((m) => MarketMessage.parse(m));
    expect([exec, book, stats, candle].map(topicOf)).toEqual(['executions:BTC-KRW', 'orderbook:BTC-KRW', 'statistics:BTC-KRW', 'candles:BTC-KRW_1m']);
  });
});

describe('REST bodies', () => {
  test("the seed's order body parses; unknown fields are refused", () => {
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
