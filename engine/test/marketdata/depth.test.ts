import { OrderBookSnapshot, OrderBookUpdate, type MarketMessage, type Side, type TimedCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../src/core';
import { MarketData } from '../../src/marketdata';
import { BTC, commit, useRedis } from './helpers';

const r = useRedis();
const T0 = Date.UTC(2026, 0, 5, 12);

/** Drives the real matching core and market data the way the engine runner does. */
class Engine {
  core = new MatchingCore(BTC);
  md = new MarketData(BTC);
  private ts = T0;
  private n = 0;
  private batch: TimedCommand[] = [];
  place(side: Side, price: number, lots: number, id = `o${++this.n}`, type: 'Limit' | 'Market' = 'Limit'): string {
    this.batch.push({ v: 1, kind: 'place', order_id: id, side, type, tif: type === 'Market' ? 'IOC' : 'GTC', price_ticks: type === 'Market' ? null : price, qty_lots: lots, ts: ++this.ts });
    return id;
  }
  cancel(id: string): void {
    this.batch.push({ v: 1, kind: 'cancel', order_id: id, request_id: `r-${id}`, ts: ++this.ts });
  }
  async commit(): Promise<MarketMessage[]> {
    for (const cmd of this.batch) {
      this.md.advance(cmd.ts);
      for (const e of this.core.apply(cmd)) this.md.apply(e);
    }
    this.batch = [];
    return commit(this.md, r.redis(), r.keys());
  }
  /** The core's own book as the wire shows it. */
  expectedDepth(n = 50) {
    const d = this.core.depth(n);
    const wire = ([p, q]: [number, number]) => [p * 1000, q / 10_000];
    return { bids: d.bids.map(wire), asks: d.asks.map(wire) };
  }
}

async function storedDepth(): Promise<OrderBookSnapshot> {
  return OrderBookSnapshot.parse(JSON.parse((await r.redis().get(r.keys().depth))!));
}

describe('depth', () => {
  test('after partial fills and cancels the stored depth equals the matching core book, with the last sequence', async () => {
    const e = new Engine();
    e.place('Buy', 49_000, 10_000);
    e.place('Buy', 49_000, 5_000);
    const bid2 = e.place('Buy', 48_000, 2_000);
    e.place('Sell', 51_000, 3_000);
    const ask2 = e.place('Sell', 52_000, 7_000);
    const msgs = await e.commit();
    const books = msgs.filter((m) => m.type === 'OrderBookUpdate');
    expect(books).toHaveLength(1); // conflated: one per batch, not one per order
    expect(await storedDepth()).toEqual({ symbol: 'BTC-KRW', ...e.expectedDepth(), timestamp: T0 + 5, sequence: e.core.lastSequence });
    expect((await storedDepth()).bids).toEqual([[49_000_000, 1.5], [48_000_000, 0.2]]);

    // A sell crosses the 49,000,000 bids and partially fills that level; a cancel removes a level.
    e.place('Sell', 49_000, 12_000);
    e.cancel(ask2);
    e.cancel(bid2);
    const second = await e.commit();
    const update = OrderBookUpdate.parse(second.find((m) => m.type === 'OrderBookUpdate'));
    const depth = await storedDepth();
    expect(depth).toEqual({ symbol: 'BTC-KRW', ...e.expectedDepth(), timestamp: T0 + 8, sequence: e.core.lastSequence });
    expect(depth.bids).toEqual([[49_000_000, 0.3]]);
    expect(depth.asks).toEqual([[51_000_000, 0.3]]);
    expect(update).toMatchObject({ bids: depth.bids, asks: depth.asks, sequence: depth.sequence, prev_sequence: msgs.find((m) => m.type === 'OrderBookUpdate')!.sequence });
    // Executions are seen from the taker.
    const execs = second.filter((m) => m.type === 'Execution');
    expect(execs.map((x) => [x.side, x.price, x.quantity])).toEqual([
      ['Sell', 49_000_000, 1],
      ['Sell', 49_000_000, 0.2],
    ]);
  });

  test('only the top 50 levels are kept and published; a deeper level moves up when one above goes', async () => {
    const e = new Engine();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(e.place('Buy', 40_000 - i, 1));
    await e.commit();
    let depth = await storedDepth();
    expect(depth.bids).toHaveLength(50);
    expect(depth.bids[49][0]).toBe((40_000 - 49) * 1000);
    e.cancel(ids[0]);
    await e.commit();
    depth = await storedDepth();
    expect(depth).toEqual({ symbol: 'BTC-KRW', ...e.expectedDepth(50), timestamp: depth.timestamp, sequence: e.core.lastSequence });
    expect(depth.bids[49][0]).toBe((40_000 - 50) * 1000);
  });

  test('a batch that leaves the top 50 unchanged publishes no OrderBookUpdate', async () => {
    const e = new Engine();
    for (let i = 0; i < 51; i++) e.place('Sell', 60_000 + i, 1);
    await e.commit();
    const deep = e.place('Sell', 70_000, 1); // below the top 50
    const b = await e.commit();
    expect(b.filter((m) => m.type === 'OrderBookUpdate')).toEqual([]);
    e.cancel(deep);
    e.place('Buy', 1, 1, 'o1'); // duplicate of a resting order's id: rejected, no book change
    const c = await e.commit();
    expect(c.filter((m) => m.type === 'OrderBookUpdate')).toEqual([]);
    expect(e.core.openOrders).toBe(51);
  });
});
