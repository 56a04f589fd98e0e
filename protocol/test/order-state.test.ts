import { decodeOrderState, encodeOrderState, orderStateOf, readStoredOrder, renderOrderView, type OrderRecord, type StoredOrderState } from '../src';
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
  status: 'FILLED',
  updated_at: 1_700_000_000_002,
  seq: 6,
};
const cancelled: OrderRecord = { ...open, order_id: 'o3', status: 'CANCELLED', cancel_reason: 'user', seq: 9 };
const rejected: OrderRecord = { ...open, order_id: 'o4', tif: 'FOK', status: 'REJECTED', reject_reason: 'FOK_CANNOT_FILL', seq: 10 };

test.each([open, filled, cancelled, rejected])('the stored state of $order_id decodes to the same record and renders the same view', (rec) => {
  const text = encodeOrderState(rec);
  // The hand-written text is exactly the JSON of the state array.
  expect(text).toBe(JSON.stringify(orderStateOf(rec)));
  const decoded = decodeOrderState(JSON.parse(text) as StoredOrderState);
  expect(decoded).toEqual(rec);
  // Byte-identical answers: the api renders what the engine used to store.
  expect(JSON.stringify(readStoredOrder(spec, text))).toBe(JSON.stringify(renderOrderView(spec, rec)));
  expect(text.length).toBeLessThan(JSON.stringify(renderOrderView(spec, rec)).length);
});

test('an OrderView JSON object (the api ACCEPTED state) is read as it is', () => {
  const view = { ...renderOrderView(spec, open), status: 'ACCEPTED' as const };
  expect(readStoredOrder(spec, JSON.stringify(view))).toEqual(view);
});
