import { FIELDS, type EngineEvent, type MarketSpec, type StreamCommand } from '@xtrader/protocol';
import { SymbolState } from '../../../engine/src/runner';
import { PrivateFeed, sequencePrivate, type PrivateDraft } from '../../src/core';
import { config } from './harness';

const spec: MarketSpec = config.markets.find((m) => m.symbol === 'BTC-KRW')!;
// BTC-KRW: tick 1000 KRW, lot 0.0001 BTC.
type Place = Extract<StreamCommand, { kind: 'place' }>;
const place = (order_id: string, account_id: string, side: 'Buy' | 'Sell', priceKrw: number, btc: number, extra: Partial<Place> = {}): Place => ({
  v: 1,
  kind: 'place',
  order_id,
  account_id,
  side,
  type: 'Limit',
  tif: 'GTC',
  price_ticks: priceKrw / 1000,
  qty_lots: Math.round(btc * 10_000),
  ...extra,
});

/**
 * The engine as it runs: a symbol's state applying command stream entries (the matching core, and
 * the order views that put each order's owner on its events). The stream id's time is the command's.
 */
class Engine {
  private readonly state = SymbolState.fresh(spec);
  private ts = 1_000;
  apply(cmd: StreamCommand): EngineEvent[] {
    return this.state.applyEntry([`${this.ts++}-0`, [FIELDS.command, JSON.stringify(cmd)]]).events;
  }
}
/** Runs commands through the engine and the feed; returns the drafts per command. */
function run(feed: PrivateFeed, core: Engine, cmds: StreamCommand[]): PrivateDraft[][] {
  return cmds.map((c) => feed.apply(core.apply(c)));
}
const summary = (d: PrivateDraft) => {
  const m = d.message;
  return m.type === 'OrderUpdate' ? `${d.account_id} OrderUpdate ${m.order.order_id} ${m.order.status}` : m.type === 'Fill' ? `${d.account_id} Fill ${m.order_id} ${m.liquidity} ${m.quantity}` : `${d.account_id} ${m.type}`;
};

describe('PrivateFeed', () => {
  it('turns a place, a partial fill as maker and a cancel into the owner’s OrderUpdates and Fill, and the taker’s own', () => {
    const core = new Engine();
    const feed = new PrivateFeed(spec, () => true);
    const [placed, traded, cancelled] = run(feed, core, [
      place('o-1', 'alice', 'Buy', 50_000_000, 1),
      place('o-2', 'bob', 'Sell', 50_000_000, 0.4),
      { v: 1, kind: 'cancel', order_id: 'o-1', request_id: 'r-1', account_id: 'alice' },
    ]);
    expect(placed.map(summary)).toEqual(['alice OrderUpdate o-1 NEW']);
    expect(traded.map(summary)).toEqual(['bob OrderUpdate o-2 NEW', 'bob Fill o-2 taker 0.4', 'bob OrderUpdate o-2 FILLED', 'alice Fill o-1 maker 0.4', 'alice OrderUpdate o-1 PARTIALLY_FILLED']);
    expect(cancelled.map(summary)).toEqual(['alice OrderUpdate o-1 CANCELLED']);

    const aliceFill = traded[3].message;
    expect(aliceFill).toEqual({
      type: 'Fill',
      exec_id: expect.stringMatching(/^BTC-KRW-/),
      order_id: 'o-1',
      symbol: 'BTC-KRW',
      side: 'Buy',
      price: 50_000_000,
      quantity: 0.4,
      fee: expect.any(Number),
      fee_asset: 'KRW',
      liquidity: 'maker',
      timestamp: 1_001,
    });
    const partial = traded[4].message;
    if (partial.type !== 'OrderUpdate') throw new Error('expected an OrderUpdate');
    expect(partial.order).toMatchObject({ order_id: 'o-1', symbol: 'BTC-KRW', filled_quantity: 0.4, remaining_quantity: 0.6, average_price: 50_000_000, created_at: 1_000, updated_at: 1_001 });
    expect(partial.order).not.toHaveProperty('fills');
    // Ended orders are forgotten: nothing stays open.
    expect(feed.openOrders()).toEqual([]);
  });

  it("only makes the messages of the shard's own accounts", () => {
    const core = new Engine();
    const feed = new PrivateFeed(spec, (a) => a === 'alice');
    const drafts = run(feed, core, [place('o-1', 'alice', 'Buy', 50_000_000, 1), place('o-2', 'bob', 'Sell', 50_000_000, 0.4)]).flat();
    expect(drafts.map(summary)).toEqual(['alice OrderUpdate o-1 NEW', 'alice Fill o-1 maker 0.4', 'alice OrderUpdate o-1 PARTIALLY_FILLED']);
  });

  it('gives a rejected place its OrderUpdate from the record it is handed, and none to a duplicate id', () => {
    const core = new Engine();
    const feed = new PrivateFeed(spec, () => true);
    run(feed, core, [place('o-1', 'alice', 'Sell', 50_000_000, 1)]);
    const events = core.apply(place('o-2', 'alice', 'Buy', 50_000_000, 1, { tif: 'POST_ONLY' }));
    expect(feed.ownRejections(events)).toEqual(['o-2']);
    const record = { order_id: 'o-2', side: 'Buy' as const, type: 'Limit' as const, tif: 'POST_ONLY' as const, price_ticks: 50_000, qty_lots: 10_000, filled_lots: 0, notional: '0', fills: [], fills_total: 0, fee_total: 0, status: 'REJECTED' as const, reject_reason: 'POST_ONLY_WOULD_CROSS', created_at: 2_000, updated_at: 2_000, seq: 9 };
    expect(feed.apply(events, new Map([['o-2', record]])).map(summary)).toEqual(['alice OrderUpdate o-2 REJECTED']);
    const dup = core.apply(place('o-1', 'alice', 'Sell', 50_000_000, 1));
    expect(feed.ownRejections(dup)).toEqual([]);
    expect(feed.apply(dup)).toEqual([]);
  });

  it('gives an amended order its OrderUpdate with the new price and quantity', () => {
    const engine = new Engine();
    const feed = new PrivateFeed(spec, () => true);
    const [, amended] = run(feed, engine, [place('o-1', 'alice', 'Buy', 50_000_000, 1), { v: 1, kind: 'amend', order_id: 'o-1', request_id: 'r-1', qty_lots: 5_000, price_ticks: 49_000 }]);
    expect(amended.map(summary)).toEqual(['alice OrderUpdate o-1 NEW']);
    const m = amended[0].message;
    if (m.type !== 'OrderUpdate') throw new Error('expected an OrderUpdate');
    expect(m.order).toMatchObject({ price: 49_000_000, quantity: 0.5, remaining_quantity: 0.5 });
  });

  it('ignores events of orders it never saw accepted (they were open before it started)', () => {
    const core = new Engine();
    core.apply(place('o-1', 'alice', 'Buy', 50_000_000, 1));
    const feed = new PrivateFeed(spec, () => true);
    expect(run(feed, core, [place('o-2', 'bob', 'Sell', 50_000_000, 0.4)]).flat().map(summary)).toEqual(['bob OrderUpdate o-2 NEW', 'bob Fill o-2 taker 0.4', 'bob OrderUpdate o-2 FILLED']);
  });

  it('carries on from its stored open orders as if it had never stopped', () => {
    const core = new Engine();
    const whole = new PrivateFeed(spec, () => true);
    const first = new PrivateFeed(spec, () => true);
    const cmd = place('o-1', 'alice', 'Buy', 50_000_000, 1);
    const e1 = core.apply(cmd);
    whole.apply(e1);
    first.apply(e1);
    const restarted = new PrivateFeed(spec, () => true, JSON.parse(JSON.stringify(first.openOrders())));
    const e2 = core.apply(place('o-2', 'bob', 'Sell', 50_000_000, 0.4));
    expect(restarted.apply(e2)).toEqual(whole.apply(e2));
  });
});

describe('sequencePrivate', () => {
  it('numbers each account’s messages from its last number, one by one, and groups them in order', () => {
    const counters = new Map([['alice', 7]]);
    const d = (account_id: string, asset: string): PrivateDraft => ({ account_id, message: { type: 'BalanceUpdate', asset, available: 1, locked: 0 } });
    const out = sequencePrivate([d('alice', 'KRW'), d('bob', 'BTC'), d('alice', 'BTC')], counters);
    expect([...out]).toEqual([
      ['alice', [expect.objectContaining({ asset: 'KRW', account_sequence: 8 }), expect.objectContaining({ asset: 'BTC', account_sequence: 9 })]],
      ['bob', [expect.objectContaining({ asset: 'BTC', account_sequence: 1 })]],
    ]);
    expect([...counters]).toEqual([
      ['alice', 9],
      ['bob', 1],
    ]);
  });
});
