import { feeUnits } from '@xtrader/protocol';
import { FeeRate } from '../../src/core/fees';
import { markets, prng } from './helpers';

describe('FeeRate (fast path of the contract fee)', () => {
  test.each([...markets.values()].map((spec) => [spec.symbol, spec] as const))('%s: equals protocol feeUnits over the whole range', (_name, spec) => {
    const random = prng(42);
    const taker = new FeeRate(spec, spec.takerRate);
    const maker = new FeeRate(spec, spec.makerRate);
    const pick = (max: number) => {
      // Mix small numbers, numbers near the bounds and everything in between.
      const r = random();
      if (r < 0.3) return 1 + Math.floor(random() * 1000);
      if (r < 0.4) return max - Math.floor(random() * 1000);
      return 1 + Math.floor(random() * max);
    };
    const mismatches: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const p = Math.max(1, pick(spec.maxPriceTicks));
      const q = Math.max(1, pick(spec.maxLots));
      const want = [feeUnits(spec, p, q, spec.takerRate), feeUnits(spec, p, q, spec.makerRate)];
      const got = [taker.of(p, q), maker.of(p, q)];
      if (got[0] !== want[0] || got[1] !== want[1]) mismatches.push(`${q} lots @ ${p}: got ${got}, contract says ${want}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
