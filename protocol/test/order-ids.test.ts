import { randomUUID } from 'node:crypto';
import { orderIdOn, symbolOfOrderId } from '../src';

test('an order id names its symbol, and reads back as that symbol', () => {
  for (const symbol of ['BTC-KRW', 'AAPL', 'ABCDEFGHIJKL-0123456789AB']) {
    const id = orderIdOn(symbol, randomUUID());
    expect(symbolOfOrderId(id)).toBe(symbol);
    // Within what the routes accept as an order id.
    expect(id).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
  }
});

test('an id of the form given before (a bare UUID) or any other form names no symbol', () => {
  for (const id of [randomUUID(), 'o1', `btc-krw_${randomUUID()}`, `BTC-KRW_${randomUUID()}x`, `BTC-KRW-${randomUUID()}`, `_${randomUUID()}`, `BTC_KRW_${randomUUID()}`]) {
    expect(symbolOfOrderId(id)).toBeUndefined();
  }
});

test('an id is only made of a symbol and a UUID', () => {
  expect(() => orderIdOn('btc', randomUUID())).toThrow();
  expect(() => orderIdOn('BTC-KRW', 'not-a-uuid')).toThrow();
});
