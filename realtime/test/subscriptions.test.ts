import { resolveSubscription } from '../src/subscriptions';

const SYMBOLS = ['BTC-KRW', 'ETH-KRW', 'AAPL'];
const sub = (req: Parameters<typeof resolveSubscription>[1], current: string[] = []) => resolveSubscription('Subscribe', req, SYMBOLS, current);
const topics = (r: ReturnType<typeof sub>) => (r.ok ? r.value.topics : r.message);

describe('resolving Subscribe / Unsubscribe into topics', () => {
  test.each([
    [{ channels: ['orderbook'], symbols: ['BTC-KRW'] }, ['orderbook:BTC-KRW']],
    [{ channels: ['executions', 'candles'], symbols: ['AAPL'] }, ['executions:AAPL', 'candles:AAPL_5m']],
    [{ channels: ['candles'], symbols: ['AAPL'], intervals: ['1m', '1h'] }, ['candles:AAPL_1m', 'candles:AAPL_1h']],
    [{ channels: 'all', symbols: ['ETH-KRW'] }, ['executions:ETH-KRW', 'orderbook:ETH-KRW', 'statistics:ETH-KRW', 'candles:ETH-KRW_5m']],
    [{ channels: ['statistics'], symbols: 'all' }, ['statistics:BTC-KRW', 'statistics:ETH-KRW', 'statistics:AAPL']],
    [{ channels: ['statistics', 'all'], symbols: ['all'] }, 12],
    [{ channels: ['orderbook', 'orderbook'], symbols: ['AAPL', 'AAPL'] }, ['orderbook:AAPL']],
  ] as const)('%j -> %j', (req, expected) => {
    const r = sub(req as never);
    if (typeof expected === 'number') expect(r.ok && r.value.topics.length).toBe(expected);
    else expect(topics(r)).toEqual(expected);
  });

  test('without symbols it means the symbols the connection follows (the seed chart switching interval)', () => {
    expect(topics(sub({ channels: ['candles'], intervals: ['1h'] }, ['BTC-KRW']))).toEqual(['candles:BTC-KRW_1h']);
    expect(sub({ channels: ['candles'] })).toEqual({ ok: false, message: expect.stringContaining('symbols is required') });
  });

  test('Unsubscribe without intervals removes every interval', () => {
    const r = resolveSubscription('Unsubscribe', { channels: ['candles'], symbols: ['AAPL'] }, SYMBOLS, []);
    expect(r.ok && r.value.topics).toHaveLength(7);
  });

  test.each([
    [{ channels: ['trades'], symbols: ['BTC-KRW'] }, 'unknown channel: trades'],
    [{ channels: ['orderbook'], symbols: ['XYZ-KRW', 'BTC-KRW'] }, 'unknown symbol: XYZ-KRW'],
    [{ channels: ['candles'], symbols: ['BTC-KRW'], intervals: ['2m'] }, 'unknown interval: 2m'],
    [{ channels: [], symbols: ['BTC-KRW'] }, 'channels must not be empty'],
  ] as const)('%j fails whole: %s', (req, message) => {
    const r = sub(req as never);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });
});
