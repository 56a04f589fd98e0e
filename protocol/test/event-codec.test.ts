import { decodeEvent, encodeEvent, EngineEvent, EVENT_CODES, EVENT_FIELDS } from '../src';

const base = { v: 1 as const, ts: 1_700_000_000_123 };
const EVENTS: EngineEvent[] = [
  { ...base, seq: 1, kind: 'accepted', order_id: 'a', side: 'Buy', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 3 },
  { ...base, seq: 2, kind: 'accepted', order_id: 'b', client_order_id: 'my-1', side: 'Sell', type: 'Market', tif: 'IOC', price_ticks: null, qty_lots: 1 },
  { ...base, seq: 3, kind: 'rejected', order_id: 'c', code: 'DUPLICATE_ORDER_ID', message: 'order id already used' },
  {
    ...base,
    seq: 4,
    kind: 'trade',
    trade_id: 'BTC-KRW-4',
    taker_order_id: 'b"\\',
    maker_order_id: 'a',
    taker_side: 'Sell',
    price_ticks: 50_000,
    qty_lots: 1,
    taker_fee: 25,
    maker_fee: 10,
    taker_remaining_lots: 0,
    maker_remaining_lots: 2,
  },
  { ...base, seq: 5, kind: 'rested', order_id: 'a\n', side: 'Buy', price_ticks: 50_000, remaining_lots: 2 },
  { ...base, seq: 6, kind: 'cancelled', order_id: 'a', remaining_lots: 2, reason: 'user', request_id: 'r1' },
  { ...base, seq: 7, kind: 'cancelled', order_id: 'd', remaining_lots: 1, reason: 'ioc_remainder' },
  { ...base, seq: 8, kind: 'cancel_rejected', order_id: 'z', request_id: 'r2', code: 'ORDER_NOT_FOUND', message: 'no such open order' },
  { ...base, seq: 9, kind: 'book', side: 'Buy', price_ticks: 50_000, qty_lots: 0 },
  // Free text with characters JSON must escape, in every field the direct encoder quotes.
  { ...base, seq: 10, kind: 'accepted', order_id: 'q"\u2028', client_order_id: 'c.1:_-', side: 'Buy', type: 'Limit', tif: 'FOK', price_ticks: 1, qty_lots: 1 },
  { ...base, seq: 11, kind: 'cancelled', order_id: 'e\u0001', remaining_lots: 0, reason: 'no_liquidity', request_id: 'r"\n' },
  { ...base, seq: 12, kind: 'cancel_rejected', order_id: 'z\\', request_id: 'r\ud800', code: 'ORDER_NOT_FOUND', message: 'no "such"\norder' },
];

test('every kind has a code and a field list, and every event survives a JSON round trip', () => {
  expect(Object.keys(EVENT_CODES).sort()).toEqual(Object.keys(EVENT_FIELDS).sort());
  expect(new Set(Object.values(EVENT_CODES)).size).toBe(Object.keys(EVENT_CODES).length);
  for (const e of EVENTS) {
    const decoded = decodeEvent(JSON.parse(JSON.stringify(encodeEvent(e))));
    expect(decoded).toEqual(e);
    // Absent optional fields stay absent (not null, not undefined-valued keys).
    expect(Object.keys(decoded).sort()).toEqual(Object.keys(e).sort());
  }
});

test('the compact form is much smaller than the event object', () => {
  const objects = JSON.stringify(EVENTS).length;
  const compact = JSON.stringify(EVENTS.map(encodeEvent)).length;
  expect(compact).toBeLessThan(objects * 0.6);
});

test('an unknown code is refused', () => {
  expect(() => decodeEvent(['?', 1, 2])).toThrow(/unknown event code/);
});
