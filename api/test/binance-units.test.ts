import { loadMarketMap } from '@xtrader/protocol/node';
import type { OrderView } from '@xtrader/protocol';
import { binanceSignature, withoutSignature } from '../src/binance/signing';
import { fixed } from '../src/binance/markets';
import { BinanceParams } from '../src/binance/params';
import { quoteTotal, statusOf, tradeIdOf } from '../src/binance/shapes';

describe('Binance signing', () => {
  // The worked examples of Binance's spot API documentation (SIGNED endpoint examples).
  const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
  test('over the query string alone', () => {
    expect(binanceSignature(secret, 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559', '')).toBe(
      'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
    );
  });
  test('over the query string followed by the body, the signature parameter left out', () => {
    expect(binanceSignature(secret, 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC', 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=ab')).toBe(
      '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77',
    );
    expect(withoutSignature('a=1&signature=x&b=2')).toBe('a=1&b=2');
  });
});

describe('Binance shapes', () => {
  const btc = loadMarketMap().get('BTC-KRW')!;
  const view = (o: Partial<OrderView>): OrderView => ({ status: 'NEW', ...o }) as OrderView;

  test('statuses: a requested cancel is CANCELED, a remainder ended by its own terms EXPIRED', () => {
    expect(statusOf(view({ status: 'ACCEPTED' }))).toBe('NEW');
    expect(statusOf(view({ status: 'CANCELLED', cancel_reason: 'user' }))).toBe('CANCELED');
    expect(statusOf(view({ status: 'CANCELLED', cancel_reason: 'ioc_remainder' }))).toBe('EXPIRED');
    expect(statusOf(view({ status: 'CANCELLED', cancel_reason: 'no_liquidity' }))).toBe('EXPIRED');
    expect(statusOf(view({ status: 'REJECTED', reject_reason: 'FOK_CANNOT_FILL' }))).toBe('EXPIRED');
    expect(statusOf(view({ status: 'REJECTED', reject_reason: 'POST_ONLY_WOULD_CROSS' }))).toBe('REJECTED');
  });

  test('amounts keep the market places and are exact', () => {
    expect(fixed(0.1, 4)).toBe('0.1000');
    expect(fixed(50_000_000, 0)).toBe('50000000');
    // Finer than the places asked for: its own digits, never rounded.
    expect(fixed(0.12345, 2)).toBe('0.12345');
    expect(quoteTotal(btc, [{ price: 50_000_000, quantity: 0.3 }, { price: 51_000_000, quantity: 0.1 }])).toBe('20100000.00');
    expect(quoteTotal(btc, [{ price: 1000, quantity: 0.0001 }])).toBe('0.10');
    expect(tradeIdOf('BTC-KRW-1017')).toBe(1017);
  });

  test('parameters: query and form body together, each name once, unread ones refused', () => {
    const p = new BinanceParams('symbol=BTCKRW&limit=5', 'side=BUY');
    expect(p.required('symbol')).toBe('BTCKRW');
    expect(p.integer('limit', 1, 100)).toBe(5);
    expect(() => p.finish()).toThrow(expect.objectContaining({ code: -1104 }));
    expect(() => new BinanceParams('a=1', 'a=2')).toThrow(expect.objectContaining({ code: -1101 }));
    expect(() => new BinanceParams('a=', '').required('a')).toThrow(expect.objectContaining({ code: -1105 }));
  });
});
