import {
  feeToQuoteUnits,
  formatAssetAmount,
  lotsToBaseUnits,
  notionalQuoteUnits,
  parseAssetAmount,
  parseExchangeConfig,
  type SymbolsFile,
} from '../src';
import { loadExchangeConfig } from '../node';
import { codeOf } from './error-code';

const shipped = loadExchangeConfig();
const btc = shipped.units.get('BTC-KRW')!;
const aapl = shipped.units.get('AAPL')!;
const KRW = shipped.assets.get('KRW')!;
const BTC = shipped.assets.get('BTC')!;

/** The shipped config with `change` applied to a deep copy. */
function variant(change: (f: SymbolsFile) => void): SymbolsFile {
  const copy = JSON.parse(JSON.stringify(shipped.file)) as SymbolsFile;
  change(copy);
  return copy;
}

describe('assets in the symbols config', () => {
  test('every asset of the shipped markets is listed with its precision', () => {
    expect(Object.fromEntries([...shipped.assets.values()].map((a) => [a.asset, a.decimals]))).toEqual({ KRW: 2, BTC: 8, ETH: 8, USD: 4, AAPL: 0 });
    expect(shipped.units.size).toBe(shipped.markets.length);
  });

  test('a config without assets is refused', () => {
    expect(() => parseExchangeConfig({ symbols: shipped.file.symbols })).toThrow(/invalid symbols config/);
  });

  test.each<[string, (f: SymbolsFile) => void, RegExp]>([
    ['a base that is not a listed asset', (f) => (f.assets = f.assets.filter((a) => a.asset !== 'BTC')), /BTC-KRW: base asset BTC is not a listed asset/],
    ['a quote that is not a listed asset', (f) => (f.assets = f.assets.filter((a) => a.asset !== 'USD')), /AAPL: quote asset USD is not a listed asset/],
    ['a lot finer than the base unit', (f) => (f.assets.find((a) => a.asset === 'BTC')!.decimals = 3), /BTC-KRW: lot_size 0.0001 is finer than the BTC unit 0.001/],
    ['a notional step finer than the quote unit', (f) => (f.assets.find((a) => a.asset === 'KRW')!.decimals = 0), /BTC-KRW: tick_size x lot_size = 0.1 is finer than the KRW unit 1/],
    ['a fee unit finer than the quote unit', (f) => (f.symbols.find((s) => s.symbol === 'BTC-KRW')!.fee_decimals = 3), /BTC-KRW: fee_decimals 3 is finer than the KRW unit 0.01/],
    ['an asset listed twice', (f) => f.assets.push({ asset: 'KRW', decimals: 2 }), /asset KRW is listed twice/],
    ['a market between one asset and itself', (f) => (f.symbols[0].base = 'KRW'), /base and quote are the same asset KRW/],
    ['negative decimals', (f) => (f.assets[0].decimals = -1), /invalid symbols config/],
  ])('refused at boot: %s', (_name, change, message) => {
    expect(() => parseExchangeConfig(variant(change))).toThrow(message);
  });
});

describe('market amounts in asset units are exact', () => {
  test('a lot of 0.0001 BTC is 10,000 satoshi-units', () => {
    expect(lotsToBaseUnits(btc, 5000)).toBe(50_000_000n); // 0.5 BTC
    expect(formatAssetAmount(BTC, lotsToBaseUnits(btc, 5000))).toBe('0.5');
  });

  test('0.5 BTC at 50,000,000 KRW is 25,000,000 KRW, in units of 0.01 KRW', () => {
    const units = notionalQuoteUnits(btc, 50_000, 5000);
    expect(units).toBe(2_500_000_000n);
    expect(formatAssetAmount(KRW, units)).toBe('25000000');
  });

  test('the smallest trade is a whole number of quote units', () => {
    expect(notionalQuoteUnits(btc, 1, 1)).toBe(10n); // 1000 KRW x 0.0001 = 0.1 KRW
    expect(notionalQuoteUnits(aapl, 1, 1)).toBe(100n); // 0.01 USD x 1 = 0.0100 USD
  });

  test('an engine fee in fee units becomes quote units', () => {
    expect(feeToQuoteUnits(btc, 2_500_000)).toBe(2_500_000n); // fee unit 0.01 KRW = KRW unit
    expect(feeToQuoteUnits(aapl, 3)).toBe(3n); // 0.0003 USD
  });

  test('the largest order of each market converts without overflow', () => {
    for (const m of shipped.units.values()) {
      const worst = notionalQuoteUnits(m, m.market.maxPriceTicks, m.market.maxLots);
      expect(worst).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER) / 10n ** 6n);
    }
  });
});

describe('wire amounts into asset units', () => {
  test.each([
    ['1', 100n],
    ['0.01', 1n],
    [12.5, 1250n],
    ['1000000000000000000', 100_000_000_000_000_000_000n],
  ])('%p KRW is %p units', (input, units) => {
    expect(parseAssetAmount(KRW, input)).toBe(units);
  });

  test.each([
    ['negative', '-1'],
    ['negative number', -5],
    ['zero', '0'],
    ['finer than the unit', '0.001'],
    ['exponent', '1e3'],
    ['tiny JSON number', 1e-7],
    ['not a number', 'ten'],
    ['empty', ''],
    ['boolean', true],
    ['NaN', Number.NaN],
  ])('INVALID_AMOUNT: %s', (_name, input) => {
    expect(codeOf(() => parseAssetAmount(KRW, input))).toBe('INVALID_AMOUNT');
  });

  test('the message names the unit an over-precise amount missed', () => {
    expect(() => parseAssetAmount(BTC, '0.000000001')).toThrow('finer than the BTC unit 0.00000001');
  });

  test('units format back to the shortest decimal', () => {
    expect(formatAssetAmount(KRW, 0n)).toBe('0');
    expect(formatAssetAmount(KRW, 1n)).toBe('0.01');
    expect(formatAssetAmount(BTC, 123_456_789n)).toBe('1.23456789');
  });
});
