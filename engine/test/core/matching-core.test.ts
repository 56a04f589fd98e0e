import { EngineEvent, feeUnits, type TimedCommand } from '@xtrader/protocol';
import { InvalidCommandError, MatchingCore } from '../../src/core';
import { AAPL, BTC, buy, cancel, ladder, limit, market, renderBook, run, sell, summarize, type Case } from './helpers';

// BTC-KRW: 1 tick = 1000 KRW, 1 lot = 0.0001 BTC, fee unit 0.01 KRW, so a fill of L lots at P
// ticks pays taker ceil(P*L/100) and maker ceil(P*L/200) fee units.
const cases: Case[] = [
  {
    name: 'a limit order on an empty book rests',
    setup: [],
    cmd: sell('a', 5, 100),
    events: ['accepted a', 'rested a 5@100', 'book Sell 100=5'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a market buy on an empty book is cancelled for lack of liquidity',
    setup: [],
    cmd: market('Buy', 'm', 5),
    events: ['accepted m', 'cancelled m 5 no_liquidity'],
    book: '---',
  },
  {
    name: 'a market sell on an empty book is cancelled for lack of liquidity',
    setup: [],
    cmd: market('Sell', 'm', 5),
    events: ['accepted m', 'cancelled m 5 no_liquidity'],
    book: '---',
  },
  {
    name: 'an IOC limit on an empty book is cancelled whole',
    setup: [],
    cmd: buy('i', 5, 100, 'IOC'),
    events: ['accepted i', 'cancelled i 5 ioc_remainder'],
    book: '---',
  },
  {
    name: 'a FOK on an empty book is rejected without being accepted',
    setup: [],
    cmd: buy('f', 5, 100, 'FOK'),
    events: ['rejected f FOK_CANNOT_FILL'],
    book: '---',
  },
  {
    name: 'a post-only order on an empty book rests',
    setup: [],
    cmd: buy('p', 5, 100, 'POST_ONLY'),
    events: ['accepted p', 'rested p 5@100', 'book Buy 100=5'],
    book: '---\nbid 100 x 5',
  },
  {
    name: 'an exact fill empties the level and rests nothing',
    setup: [sell('s1', 5, 100)],
    cmd: buy('b', 5, 100),
    events: ['accepted b', 'trade b<-s1 5@100 fee 5/3 left 0/0', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a crossing buy sweeps several levels best price first and stops at its limit',
    setup: [sell('s1', 2, 100), sell('s2', 3, 101), sell('s3', 4, 102), sell('s4', 1, 103)],
    cmd: buy('b', 8, 102),
    events: [
      'accepted b',
      'trade b<-s1 2@100 fee 2/1 left 6/0',
      'trade b<-s2 3@101 fee 4/2 left 3/0',
      'trade b<-s3 3@102 fee 4/2 left 0/1',
      'book Sell 100=0',
      'book Sell 101=0',
      'book Sell 102=1',
    ],
    book: 'ask 103 x 1\nask 102 x 1\n---',
  },
  {
    name: 'the remainder of a sweeping GTC rests at its limit price',
    setup: [sell('s1', 2, 100), sell('s2', 3, 101), buy('b0', 1, 99)],
    cmd: buy('b', 10, 101),
    events: [
      'accepted b',
      'trade b<-s1 2@100 fee 2/1 left 8/0',
      'trade b<-s2 3@101 fee 4/2 left 5/0',
      'rested b 5@101',
      'book Sell 100=0',
      'book Sell 101=0',
      'book Buy 101=5',
    ],
    book: '---\nbid 101 x 5\nbid 99 x 1',
  },
  {
    name: 'a crossing sell sweeps bids highest first',
    setup: [buy('b1', 2, 100), buy('b2', 2, 102), buy('b3', 2, 101)],
    cmd: sell('s', 5, 100),
    events: [
      'accepted s',
      'trade s<-b2 2@102 fee 3/2 left 3/0',
      'trade s<-b3 2@101 fee 3/2 left 1/0',
      'trade s<-b1 1@100 fee 1/1 left 0/1',
      'book Buy 102=0',
      'book Buy 101=0',
      'book Buy 100=1',
    ],
    book: '---\nbid 100 x 1',
  },
  {
    name: 'within a price the oldest order fills first',
    setup: [sell('s1', 2, 100), sell('s2', 3, 100)],
    cmd: buy('b', 4, 100),
    events: ['accepted b', 'trade b<-s1 2@100 fee 2/1 left 2/0', 'trade b<-s2 2@100 fee 2/1 left 0/1', 'book Sell 100=1'],
    book: 'ask 100 x 1\n---',
  },
  {
    name: 'a better price beats an earlier order',
    setup: [sell('early', 2, 101), sell('better', 2, 100)],
    cmd: buy('b', 2, 101),
    events: ['accepted b', 'trade b<-better 2@100 fee 2/1 left 0/0', 'book Sell 100=0'],
    book: 'ask 101 x 2\n---',
  },
  {
    name: 'the trade happens at the maker price, not the taker limit',
    setup: [buy('m', 5, 105)],
    cmd: sell('t', 5, 100),
    events: ['accepted t', 'trade t<-m 5@105 fee 6/3 left 0/0', 'book Buy 105=0'],
    book: '---',
  },
  {
    name: 'a limit that does not reach the best ask rests beside it',
    setup: [sell('s', 5, 100)],
    cmd: buy('b', 5, 99),
    events: ['accepted b', 'rested b 5@99', 'book Buy 99=5'],
    book: 'ask 100 x 5\n---\nbid 99 x 5',
  },
  {
    name: 'an IOC fills what it can at its limit and cancels the rest',
    setup: [sell('s1', 2, 100), sell('s2', 2, 102)],
    cmd: buy('i', 5, 101, 'IOC'),
    events: ['accepted i', 'trade i<-s1 2@100 fee 2/1 left 3/0', 'cancelled i 3 ioc_remainder', 'book Sell 100=0'],
    book: 'ask 102 x 2\n---',
  },
  {
    name: 'a market order takes every level until the book runs out',
    setup: [sell('s1', 2, 100), sell('s2', 1, 500)],
    cmd: market('Buy', 'm', 5),
    events: ['accepted m', 'trade m<-s1 2@100 fee 2/1 left 3/0', 'trade m<-s2 1@500 fee 5/3 left 2/0', 'cancelled m 2 no_liquidity', 'book Sell 100=0', 'book Sell 500=0'],
    book: '---',
  },
  {
    name: 'a fully filled market order is not cancelled',
    setup: [buy('b1', 3, 100), buy('b2', 3, 99)],
    cmd: market('Sell', 'm', 4),
    events: ['accepted m', 'trade m<-b1 3@100 fee 3/2 left 1/0', 'trade m<-b2 1@99 fee 1/1 left 0/2', 'book Buy 100=0', 'book Buy 99=2'],
    book: '---\nbid 99 x 2',
  },
  {
    name: 'a market order with tif GTC never rests',
    setup: [sell('s1', 1, 100)],
    cmd: market('Buy', 'm', 3, 'GTC'),
    events: ['accepted m', 'trade m<-s1 1@100 fee 1/1 left 2/0', 'cancelled m 2 no_liquidity', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a FOK is rejected when enough rests only beyond its limit, and the book is untouched',
    setup: [sell('s1', 2, 100), sell('s2', 5, 103)],
    cmd: buy('f', 4, 101, 'FOK'),
    events: ['rejected f FOK_CANNOT_FILL'],
    book: 'ask 103 x 5\nask 100 x 2\n---',
  },
  {
    name: 'a FOK that can fill exactly fills across levels',
    setup: [sell('s1', 2, 100), sell('s2', 2, 101), sell('s3', 9, 102)],
    cmd: buy('f', 4, 101, 'FOK'),
    events: ['accepted f', 'trade f<-s1 2@100 fee 2/1 left 2/0', 'trade f<-s2 2@101 fee 3/2 left 0/0', 'book Sell 100=0', 'book Sell 101=0'],
    book: 'ask 102 x 9\n---',
  },
  {
    name: 'a market FOK larger than the whole book is rejected',
    setup: [buy('b1', 2, 100), buy('b2', 2, 90)],
    cmd: market('Sell', 'f', 5, 'FOK'),
    events: ['rejected f FOK_CANNOT_FILL'],
    book: '---\nbid 100 x 2\nbid 90 x 2',
  },
  {
    name: 'a market FOK the book can cover fills at any price',
    setup: [buy('b1', 2, 100), buy('b2', 2, 90)],
    cmd: market('Sell', 'f', 4, 'FOK'),
    events: ['accepted f', 'trade f<-b1 2@100 fee 2/1 left 2/0', 'trade f<-b2 2@90 fee 2/1 left 0/0', 'book Buy 100=0', 'book Buy 90=0'],
    book: '---',
  },
  {
    name: 'a post-only buy at the best ask would cross and is rejected',
    setup: [sell('s', 5, 100)],
    cmd: buy('p', 5, 100, 'POST_ONLY'),
    events: ['rejected p POST_ONLY_WOULD_CROSS'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a post-only sell below the best bid would cross and is rejected',
    setup: [buy('b', 5, 100)],
    cmd: sell('p', 5, 90, 'POST_ONLY'),
    events: ['rejected p POST_ONLY_WOULD_CROSS'],
    book: '---\nbid 100 x 5',
  },
  {
    name: 'a post-only that does not cross rests',
    setup: [sell('s', 5, 100)],
    cmd: buy('p', 5, 99, 'POST_ONLY'),
    events: ['accepted p', 'rested p 5@99', 'book Buy 99=5'],
    book: 'ask 100 x 5\n---\nbid 99 x 5',
  },
  {
    name: 'a market post-only is rejected (it can only take liquidity)',
    setup: [],
    cmd: market('Buy', 'p', 5, 'POST_ONLY'),
    events: ['rejected p POST_ONLY_WOULD_CROSS'],
    book: '---',
  },
  {
    name: 'a one-lot dust remainder keeps resting and can be cancelled',
    setup: [sell('s1', 3, 100), buy('b', 2, 100)],
    cmd: cancel('s1', 'r1'),
    events: ['cancelled s1 1 user r1', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'cancelling one order in the middle of a level keeps the others in time order',
    setup: [sell('s1', 1, 100), sell('s2', 1, 100), sell('s3', 1, 100), cancel('s2')],
    cmd: buy('b', 2, 100),
    events: ['accepted b', 'trade b<-s1 1@100 fee 1/1 left 1/0', 'trade b<-s3 1@100 fee 1/1 left 0/0', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a cancel reports the lots that were still resting and the new level total',
    setup: [buy('b1', 4, 100), buy('b2', 6, 100), sell('s', 1, 100)],
    cmd: cancel('b1', 'r'),
    events: ['cancelled b1 3 user r', 'book Buy 100=6'],
    book: '---\nbid 100 x 6',
  },
  {
    name: 'cancelling a filled order is ORDER_NOT_FOUND',
    setup: [sell('s1', 2, 100), buy('b', 2, 100)],
    cmd: cancel('s1', 'r'),
    events: ['cancel_rejected s1 ORDER_NOT_FOUND r'],
    book: '---',
  },
  {
    name: 'cancelling an unknown order is ORDER_NOT_FOUND',
    setup: [sell('s1', 2, 100)],
    cmd: cancel('nope', 'r'),
    events: ['cancel_rejected nope ORDER_NOT_FOUND r'],
    book: 'ask 100 x 2\n---',
  },
  {
    name: 'cancelling twice is ORDER_NOT_FOUND the second time',
    setup: [sell('s1', 2, 100), cancel('s1', 'r1')],
    cmd: cancel('s1', 'r2'),
    events: ['cancel_rejected s1 ORDER_NOT_FOUND r2'],
    book: '---',
  },
  {
    name: 'cancelling a finished IOC taker is ORDER_NOT_FOUND',
    setup: [buy('i', 2, 100, 'IOC')],
    cmd: cancel('i', 'r'),
    events: ['cancel_rejected i ORDER_NOT_FOUND r'],
    book: '---',
  },
  {
    name: 'reusing the id of a resting order is rejected and changes nothing',
    setup: [sell('a', 2, 100)],
    cmd: buy('a', 2, 100),
    events: ['rejected a DUPLICATE_ORDER_ID'],
    book: 'ask 100 x 2\n---',
  },
  {
    name: 'reusing the id of a filled maker is rejected',
    setup: [sell('a', 2, 100), buy('b', 2, 100)],
    cmd: sell('a', 2, 100),
    events: ['rejected a DUPLICATE_ORDER_ID'],
    book: '---',
  },
  {
    name: 'reusing the id of a filled taker is rejected',
    setup: [sell('a', 2, 100), buy('b', 2, 100)],
    cmd: sell('b', 2, 100),
    events: ['rejected b DUPLICATE_ORDER_ID'],
    book: '---',
  },
  {
    name: 'reusing the id of a cancelled order is rejected',
    setup: [sell('a', 2, 100), cancel('a')],
    cmd: sell('a', 2, 100),
    events: ['rejected a DUPLICATE_ORDER_ID'],
    book: '---',
  },
  {
    name: 'reusing the id of a rejected FOK is rejected',
    setup: [buy('f', 2, 100, 'FOK')],
    cmd: sell('f', 2, 100),
    events: ['rejected f DUPLICATE_ORDER_ID'],
    book: '---',
  },
];

describe('MatchingCore order types and edges', () => {
  test.each(cases)('$name', ({ setup, cmd, events, book }) => {
    const result = run(setup, cmd);
    expect(result.lines).toEqual(events);
    expect(result.book).toBe(ladder(book));
  });

  test('a taker sweeping 50 levels of 20 orders each fills them all in price-time order', () => {
    const core = new MatchingCore(BTC);
    const makers: string[] = [];
    for (let level = 0; level < 50; level++) {
      for (let k = 0; k < 20; k++) {
        const id = `s${level}-${k}`;
        makers.push(id);
        core.apply(sell(id, 1 + (k % 3), 1000 + level));
      }
    }
    // Orders were added level by level; price-time order is the same sequence.
    const total = makers.reduce((sum, _id, i) => sum + 1 + ((i % 20) % 3), 0);
    const events = core.apply(buy('big', total + 7, 2000));
    const trades = events.filter((e) => e.kind === 'trade');
    expect(trades.map((t) => t.maker_order_id)).toEqual(makers);
    expect(events.filter((e) => e.kind === 'book').map(summarize)).toEqual([...Array.from({ length: 50 }, (_, i) => `book Sell ${1000 + i}=0`), 'book Buy 2000=7']);
    expect(events.find((e) => e.kind === 'rested')).toMatchObject({ order_id: 'big', remaining_lots: 7, price_ticks: 2000 });
    expect(renderBook(core.depth(5))).toBe('---\nbid 2000 x 7');
    expect(core.openOrders).toBe(1);
  });
});

describe('MatchingCore events', () => {
  test('every event has exactly the shape of the protocol schema, v 1', () => {
    const core = new MatchingCore(BTC);
    const all = [
      ...core.apply({ ...sell('s1', 2, 100), client_order_id: 'mine-1' }),
      ...core.apply(buy('b', 3, 100)),
      ...core.apply(buy('i', 3, 90, 'IOC')),
      ...core.apply(buy('f', 3, 50, 'FOK')),
      ...core.apply(cancel('b', 'r1')),
      ...core.apply(cancel('b', 'r2')),
    ];
    expect(new Set(all.map((e) => e.kind))).toEqual(new Set(['accepted', 'rested', 'book', 'trade', 'cancelled', 'rejected', 'cancel_rejected']));
    for (const e of all) {
      expect(e.v).toBe(1);
      // parse strips unknown keys: equality means no missing and no extra field.
      expect(EngineEvent.parse(e)).toEqual(e);
    }
    expect(all[0]).toMatchObject({ kind: 'accepted', client_order_id: 'mine-1' });
    expect('client_order_id' in all.find((e) => e.kind === 'accepted' && e.order_id === 'b')!).toBe(false);
  });

  test('seq starts at 1 and grows by one per event across commands; clock emits nothing', () => {
    const core = new MatchingCore(BTC);
    expect(core.lastSequence).toBe(0);
    const events = [...core.apply(sell('a', 2, 100)), ...core.apply({ v: 1, kind: 'clock', ts: 5 }), ...core.apply(buy('b', 1, 100))];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(core.lastSequence).toBe(events.length);
    expect(core.apply({ v: 1, kind: 'clock', ts: 6 })).toEqual([]);
    expect(core.lastSequence).toBe(events.length);
  });

  test('events carry the command time and trade ids are symbol-seq', () => {
    const core = new MatchingCore(BTC);
    core.apply(limit('Sell', 'a', 2, 100, 'GTC', 111));
    const events = core.apply(limit('Buy', 'b', 2, 100, 'GTC', 222));
    expect(events.every((e) => e.ts === 222)).toBe(true);
    const trade = events.find((e) => e.kind === 'trade')!;
    expect(trade).toMatchObject({ trade_id: `BTC-KRW-${trade.seq}`, taker_side: 'Buy' });
  });

  test('a command the stream contract rules out throws before changing anything', () => {
    const core = new MatchingCore(BTC);
    core.apply(sell('a', 2, 100));
    const before = JSON.stringify(core.snapshot());
    expect(() => core.apply({ ...buy('x', 1, 100), price_ticks: null })).toThrow(InvalidCommandError);
    expect(() => core.apply({ ...market('Buy', 'y', 1), price_ticks: 100 })).toThrow(InvalidCommandError);
    expect(() => core.apply({ ...buy('z', 1, 100), qty_lots: 1.5 })).toThrow(InvalidCommandError);
    expect(JSON.stringify(core.snapshot())).toBe(before);
  });

  test('finished ids are remembered in a bounded window, oldest forgotten first', () => {
    const core = new MatchingCore(BTC, { recentIdCapacity: 2 });
    for (const id of ['a', 'b', 'c']) core.apply(buy(id, 1, 100, 'IOC'));
    expect(core.apply(buy('b', 1, 100, 'IOC')).map(summarize)).toEqual(['rejected b DUPLICATE_ORDER_ID']);
    expect(core.apply(buy('a', 1, 100, 'IOC')).map(summarize)).toEqual(['accepted a', 'cancelled a 1 ioc_remainder']);
  });

  test('depth(n) lists the best n levels of each side, best first', () => {
    const core = new MatchingCore(BTC);
    for (let i = 0; i < 10; i++) {
      core.apply(buy(`b${i}`, i + 1, 100 - i));
      core.apply(sell(`s${i}`, i + 1, 101 + i));
    }
    expect(core.depth(3)).toEqual({ bids: [[100, 1], [99, 2], [98, 3]], asks: [[101, 1], [102, 2], [103, 3]] });
    expect(core.openOrders).toBe(20);
  });
});

describe('MatchingCore fees', () => {
  test('fees are exact when the amount is a whole number of fee units', () => {
    // 50,000,000 KRW x 0.001 BTC = 50,000 KRW; taker 0.1% = 50 KRW = 5000 units, maker 0.05% = 2500.
    const { events } = run([sell('m', 10, 50_000)], buy('t', 10, 50_000));
    expect(events.find((e) => e.kind === 'trade')).toMatchObject({ taker_fee: 5000, maker_fee: 2500 });
  });

  test('fees round up to the fee unit (the exchange never undercharges)', () => {
    // 50,001,000 KRW x 0.0001 BTC = 5,000.1 KRW; taker 5.0001 KRW -> 501 units, maker 2.50005 -> 251.
    const { events } = run([sell('m', 1, 50_001)], buy('t', 1, 50_001));
    expect(events.find((e) => e.kind === 'trade')).toMatchObject({ taker_fee: 501, maker_fee: 251 });
  });

  test('fees in a market with cents and whole shares (AAPL) round up too', () => {
    // 150.01 USD x 3 = 450.03 USD; taker 0.05% = 0.225015 -> 2251 units of 0.0001; maker 0.02% = 0.090006 -> 901.
    const { events } = run([limit('Sell', 'm', 3, 15_001)], limit('Buy', 't', 3, 15_001), AAPL);
    const trade = events.find((e) => e.kind === 'trade')!;
    expect(trade).toMatchObject({ taker_fee: 2251, maker_fee: 901 });
    expect(trade).toMatchObject({ taker_fee: feeUnits(AAPL, 15_001, 3, AAPL.takerRate), maker_fee: feeUnits(AAPL, 15_001, 3, AAPL.makerRate) });
  });

  test('the biggest order the config allows trades without overflow and matches the contract fee', () => {
    const { events } = run([sell('m', BTC.maxLots, BTC.maxPriceTicks)], buy('t', BTC.maxLots, BTC.maxPriceTicks));
    const trade = events.find((e) => e.kind === 'trade')!;
    expect(trade).toMatchObject({
      taker_fee: feeUnits(BTC, BTC.maxPriceTicks, BTC.maxLots, BTC.takerRate),
      maker_fee: feeUnits(BTC, BTC.maxPriceTicks, BTC.maxLots, BTC.makerRate),
    });
  });
});
