import { acceptedOrder, decodeStoredOrder, encodeStoredFill, encodeStoredOrder, orderStateOf, readStoredOrder, renderOrderView, storedOrderOf, type OrderRecord } from '../src';
import { loadMarketMap } from '../node';

const spec = loadMarketMap().get('BTC-KRW')!;

const open: OrderRecord = {
  order_id: 'o"1',
  side: 'Buy',
  type: 'Limit',
  tif: 'GTC',
  price_ticks: 50_000,
  qty_lots: 30,
  filled_lots: 0,
  notional: '0',
  fills: [],
  fills_total: 0,
  fee_total: 0,
  status: 'NEW',
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_000_000,
  seq: 1,
};
const filled: OrderRecord = {
  ...open,
  order_id: 'o2',
  client_order_id: 'mine-7',
  type: 'Market',
  tif: 'IOC',
  price_ticks: null,
  filled_lots: 30,
  notional: '1500010',
  fills: [
    { exec_id: 'BTC-KRW-4', price_ticks: 50_000, qty_lots: 10, fee: 25, liquidity: 'taker', counter_order_id: 'm"1\\', ts: 1_700_000_000_001 },
    { exec_id: 'BTC-KRW-6', price_ticks: 50_001, qty_lots: 20, fee: 50, liquidity: 'maker', counter_order_id: 'm2', ts: 1_700_000_000_002 },
  ],
  fills_total: 2,
  fee_total: 75,
  status: 'FILLED',
  updated_at: 1_700_000_000_002,
  seq: 6,
};
const cancelled: OrderRecord = { ...open, order_id: 'o3', status: 'CANCELLED', cancel_reason: 'user', seq: 9 };
const rejected: OrderRecord = { ...open, order_id: 'o4', tif: 'FOK', status: 'REJECTED', reject_reason: 'FOK_CANNOT_FILL', seq: 10 };

test.each([open, filled, cancelled, rejected])('the stored state of $order_id decodes to the same record and renders the same view', (rec) => {
  const stored = storedOrderOf(rec);
  const fills = rec.fills.map(encodeStoredFill);
  expect(decodeStoredOrder(stored, fills)).toEqual(rec);
  expect(JSON.stringify(readStoredOrder(spec, stored, fills))).toBe(JSON.stringify(renderOrderView(spec, rec)));
  expect(stored.length).toBeLessThan(JSON.stringify(renderOrderView(spec, rec)).length);
});

test('an order that is not stored reads as undefined', () => {
  expect(readStoredOrder(spec, null)).toBeUndefined();
});

test('the ACCEPTED state of a place command is stored in the same format and renders the order as placed', () => {
  const cmd = { v: 1, kind: 'place', order_id: 'o9', client_order_id: 'c9', side: 'Sell', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 30 } as const;
  const view = readStoredOrder(spec, encodeStoredOrder(1700000000005, 1700000000005, JSON.stringify(orderStateOf(acceptedOrder(cmd, 0)))));
  expect(view).toEqual({
    order_id: 'o9',
    client_order_id: 'c9',
    symbol: 'BTC-KRW',
    side: 'Sell',
    type: 'Limit',
    time_in_force: 'GTC',
    price: renderOrderView(spec, open).price,
    quantity: renderOrderView(spec, open).quantity,
    filled_quantity: 0,
    remaining_quantity: renderOrderView(spec, open).quantity,
    average_price: null,
    status: 'ACCEPTED',
    fills: [],
    fills_total: 0,
    cumulative_quote_quantity: 0,
    created_at: 1_700_000_000_005,
    updated_at: 1_700_000_000_005,
    sequence: 0,
  });
});
