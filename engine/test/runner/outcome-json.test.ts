import type { OutcomeMessage } from '@xtrader/protocol';
import { outcomeJson } from '../../src/runner/symbol-runner';

// The commit splices already-serialised order views into the outcome message instead of
// encoding them twice; api nodes must still read exactly what JSON.stringify would have sent.
test('the spliced outcome message is byte-identical to JSON.stringify of the message', () => {
  const view = (id: string, status: string) => ({ order_id: id, symbol: 'BTC-KRW', status, fills: [{ exec_id: 'e"1', price: 1.5 }], sequence: 3 });
  const views = new Map([
    ['a', view('a', 'NEW')],
    ['b', view('b', 'CANCELLED')],
  ]);
  const json = new Map([...views].map(([id, v]) => [id, JSON.stringify(v)]));
  const cancels = [
    { request_id: 'r1', order_id: 'b', ok: true },
    { request_id: 'r2', order_id: 'zz', ok: false, message: 'no such "order"' },
  ];
  const expected = {
    symbol: 'BTC-KRW',
    position: '17-0',
    orders: [views.get('a')],
    cancels: [{ ...cancels[0], order: views.get('b') }, cancels[1]],
  } as unknown as OutcomeMessage;
  expect(outcomeJson('BTC-KRW', '17-0', ['a', 'missing'], cancels, json)).toBe(JSON.stringify(expected));
  expect(outcomeJson('BTC-KRW', '1-0', [], [], json)).toBe(JSON.stringify({ symbol: 'BTC-KRW', position: '1-0', orders: [], cancels: [] }));
});
