import { TradeIds } from '../../src/core/trade-ids';

describe('TradeIds', () => {
  test('gives `${symbol}-${seq}` for every sequence number, across thousands and in any order', () => {
    const ids = new TradeIds('BTC-KRW-');
    const seqs = [1, 9, 10, 999, 1000, 1001, 1010, 1999, 2000, 2005, 999_999, 1_000_000, 1_000_007, 42, 12_345_678_901];
    for (const seq of seqs) expect(ids.of(seq)).toBe(`BTC-KRW-${seq}`);
    for (let seq = 1; seq <= 5000; seq++) if (ids.of(seq) !== `BTC-KRW-${seq}`) expect(ids.of(seq)).toBe(`BTC-KRW-${seq}`);
  });
});
