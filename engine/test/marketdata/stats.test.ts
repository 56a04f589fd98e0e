import { MarketStatistics, type MarketMessage } from '@xtrader/protocol';
import { MarketData } from '../../src/marketdata';
import { BTC, Events, command, commit, useRedis } from './helpers';

const r = useRedis();
const T0 = Date.UTC(2026, 0, 5, 9, 30);
const H = 3_600_000;

function statsOf(msgs: MarketMessage[]): MarketStatistics[] {
  return msgs.filter((m): m is MarketStatistics => m.type === 'MarketStatistics');
}
async function stored(): Promise<MarketStatistics> {
  return MarketStatistics.parse(JSON.parse((await r.redis().get(r.keys().stats))!));
}

describe('rolling 24h statistics', () => {
  test('volume, high, low and change cover the last 24h only; trades older than 24h drop out', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    command(md, T0, [ev.trade(T0, 50_000, 10_000)]); // 1 BTC at 50,000,000
    command(md, T0 + H, [ev.trade(T0 + H, 55_000, 5_000, 'Sell')]); // 0.5 BTC at 55,000,000
    const first = statsOf(await commit(md, r.redis(), r.keys()));
    expect(first).toHaveLength(1); // one per batch, however many trades
    expect(first[0]).toMatchObject({
      symbol: 'BTC-KRW',
      last_price: 55_000_000,
      price_change_24h: 10, // against the first trade: the market is younger than 24h
      volume_24h: 1.5,
      high_24h: 55_000_000,
      low_24h: 50_000_000,
      high_price_24h: 55_000_000,
      low_price_24h: 50_000_000,
      timestamp: T0 + H,
      sequence: 2,
      prev_sequence: 0,
    });
    expect(await stored()).toMatchObject({ last_price: 55_000_000, volume_24h: 1.5, sequence: 2 });

    // Just under 24h after the first trade: still in the window, nothing changes, nothing is sent.
    command(md, T0 + 24 * H - 1);
    expect(statsOf(await commit(md, r.redis(), r.keys()))).toEqual([]);

    // 24h after the first trade it has left the window; the change is now against its price.
    command(md, T0 + 24 * H);
    const expired = statsOf(await commit(md, r.redis(), r.keys()));
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ last_price: 55_000_000, price_change_24h: 10, volume_24h: 0.5, high_24h: 55_000_000, low_24h: 55_000_000, timestamp: T0 + 24 * H, prev_sequence: 2 });
    expect(await stored()).toMatchObject({ volume_24h: 0.5, low_price_24h: 55_000_000 });

    // A falling trade: change against the last price at or before the window start (50,000,000).
    command(md, T0 + 24 * H + 5, [ev.trade(T0 + 24 * H + 5, 45_000, 1)]);
    expect(statsOf(await commit(md, r.redis(), r.keys()))[0]).toMatchObject({ last_price: 45_000_000, price_change_24h: -10, volume_24h: 0.5001, high_24h: 55_000_000, low_24h: 45_000_000 });

    // Two days later: no trade in the window. Last price stays, the rest is empty, change 0.
    command(md, T0 + 72 * H);
    const idle = statsOf(await commit(md, r.redis(), r.keys()));
    expect(idle[0]).toMatchObject({ last_price: 45_000_000, price_change_24h: 0, volume_24h: 0, high_24h: null, low_24h: null, high_price_24h: null, low_price_24h: null });
  });

  test('the change is a percentage rounded to hundredths', async () => {
    const md = new MarketData(BTC);
    const ev = new Events();
    command(md, T0, [ev.trade(T0, 30_000, 1)]);
    command(md, T0 + 1, [ev.trade(T0 + 1, 30_001, 1)]); // +0.00333...%
    command(md, T0 + 2, [ev.trade(T0 + 2, 40_000, 1)]); // +33.333...%
    const [s] = statsOf(await commit(md, r.redis(), r.keys()));
    expect(s.price_change_24h).toBe(33.33);
  });
});
