import { feeUnits, parseSymbolsFile, priceToTicks, quantityToLots, XtError } from '../src';
import { loadMarketMap } from '../node';

const markets = loadMarketMap();
const btc = markets.get('BTC-KRW')!;

describe('symbol config', () => {
  test('the default markets are BTC-KRW, ETH-KRW and AAPL', () => {
    expect([...markets.keys()]).toEqual(['BTC-KRW', 'ETH-KRW', 'AAPL']);
  });

  test('quantity bounds come from the config', () => {
    expect(quantityToLots(btc, '0.0001')).toBe(1);
    expect(() => quantityToLots(btc, '100.0001')).toThrow(XtError);
    expect(() => priceToTicks(btc, '10000001000')).toThrow('above the maximum');
  });

  test('a broken config is refused with the reason', () => {
    expect(() => parseSymbolsFile({ symbols: [{ symbol: 'X' }] })).toThrow(/invalid symbols config/);
    const one = { ...JSON.parse(JSON.stringify(btc.config)) };
    const assets = [
      { asset: 'BTC', decimals: 8 },
      { asset: 'KRW', decimals: 2 },
    ];
    expect(() => parseSymbolsFile({ assets, symbols: [one, one] })).toThrow('listed twice');
    expect(() => parseSymbolsFile({ assets, symbols: [{ ...one, tick_size: '0' }] })).toThrow('positive');
  });
});

describe('fees are exact and rounded up to the fee unit', () => {
  test('taker fee of 0.5 BTC at 50,000,000 KRW at 0.1% is 25,000 KRW', () => {
    // 50,000 ticks of 1000 KRW, 5,000 lots of 0.0001 BTC; fee_decimals 2 -> units of 0.01 KRW
    expect(feeUnits(btc, 50000, 5000, btc.takerRate)).toBe(2_500_000);
  });

  test('a fraction of a fee unit is charged as a whole unit', () => {
    // 1000 KRW x 0.0001 BTC = 0.1 KRW notional; x 0.0005 = 0.00005 KRW -> 0.01 KRW
    expect(feeUnits(btc, 1, 1, btc.makerRate)).toBe(1);
  });
});
