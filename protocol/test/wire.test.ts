import { stepsToNumber, parseStep, toWireNumber } from '../src';

describe('wire numbers', () => {
  test('the fast conversion gives exactly the number the exact decimal conversion gives', () => {
    const steps = ['0.0001', '0.001', '0.01', '1', '100', '1000', '0.00000001', '0.5', '0.25', '0.0003', '7'];
    const mismatches: [string, number, number, number][] = [];
    let compared = 0;
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const s of steps) {
      const step = parseStep(s);
      for (let i = 0; i < 5_000; i++) {
        const magnitude = 10 ** Math.floor(rnd() * 12);
        const count = Math.floor(rnd() * magnitude) + 1;
        let exact: number;
        try {
          exact = stepsToNumber(count, step);
        } catch {
          continue; // beyond 15 significant digits: no exact number exists
        }
        compared++;
        const fast = toWireNumber(count, step);
        if (!Object.is(fast, exact)) mismatches.push([s, count, fast, exact]);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(40_000);
  });

  test('values beyond 15 significant digits become the nearest double instead of throwing', () => {
    const step = parseStep('0.0001');
    expect(() => stepsToNumber(12345678901234567, step)).toThrow();
    expect(toWireNumber(12345678901234567, step)).toBeCloseTo(1234567890123.4567, 3);
  });
});
