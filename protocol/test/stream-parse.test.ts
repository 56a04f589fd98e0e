import { seededRandom } from '@xtrader/platform';
import { parseTimedCommand, StreamCommand } from '../src';

/** What the schema says about a value, in the shape of parseTimedCommand's answer. */
function bySchema(value: unknown, ts: number) {
  const parsed = StreamCommand.safeParse(value);
  return parsed.success ? { ok: true, cmd: { ...parsed.data, ts } } : { ok: false, error: parsed.error.issues[0]?.message };
}

const VALID: object[] = [
  { v: 1, kind: 'place', order_id: 'o1', side: 'Buy', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 3 },
  { v: 1, kind: 'place', order_id: 'o2', client_order_id: 'my.id:1-x_2', side: 'Sell', type: 'Market', tif: 'IOC', price_ticks: null, qty_lots: 1 },
  { v: 1, kind: 'cancel', order_id: 'o1', request_id: 'r1' },
  { v: 1, kind: 'clock' },
];
const ODD_VALUES: unknown[] = [undefined, null, 0, -1, 1.5, 2 ** 53, 'x', '', 'a'.repeat(65), 'bad id!', 'Buy', 'Limit', 'IOC', true, [], {}, 1];

test('the hand check gives exactly the schema verdict and output, on valid commands and on mutations of them', () => {
  const random = seededRandom(7);
  const cases: unknown[] = [...VALID, null, 'place', 42, [], { v: 2, kind: 'clock' }];
  for (const base of VALID) {
    const keys = [...Object.keys(base), 'extra', 'client_order_id'];
    for (let i = 0; i < 400; i++) {
      const mutated: Record<string, unknown> = { ...base };
      const key = keys[Math.floor(random() * keys.length)];
      const value = ODD_VALUES[Math.floor(random() * ODD_VALUES.length)];
      if (value === undefined) delete mutated[key];
      else mutated[key] = value;
      cases.push(mutated);
    }
  }
  for (const value of cases) expect(parseTimedCommand(value, 17)).toEqual(bySchema(value, 17));
});

test('unknown fields are stripped, as the schema does', () => {
  const r = parseTimedCommand({ ...VALID[2], extra: 1 }, 5);
  expect(r).toEqual({ ok: true, cmd: { v: 1, kind: 'cancel', order_id: 'o1', request_id: 'r1', ts: 5 } });
});
