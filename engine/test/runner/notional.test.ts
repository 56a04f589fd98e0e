import { addNotional } from '../../src/runner/order-records';

test('the notional sum is exact on both sides of the safe-integer range', () => {
  const cases: [string, number, number][] = [
    ['0', 50_000, 37],
    ['999999999999999', 1, 1],
    ['9007199254740990', 1, 1],
    ['9007199254740991', 1, 1],
    ['123456789012345678901234567890', 3, 7],
    ['0', Number.MAX_SAFE_INTEGER, 3],
    ['5', 94_906_267, 94_906_267],
  ];
  for (const [n, p, q] of cases) expect(addNotional(n, p, q)).toBe((BigInt(n) + BigInt(p) * BigInt(q)).toString());
});
