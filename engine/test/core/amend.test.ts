import { EngineEvent, type TimedCommand } from '@xtrader/protocol';
import { InvalidCommandError, MatchingCore } from '../../src/core';
import { amend, BTC, buy, cancel, ladder, market, renderBook, sell, summarize } from './helpers';

interface Case {
  name: string;
  setup: TimedCommand[];
  cmd: TimedCommand;
  events: string[];
  book: string;
  /** Then: a command and the lines it must give (who is first in the queue now). */
  then?: { cmd: TimedCommand; events: string[] };
}

// BTC-KRW: a fill of L lots at P ticks pays taker ceil(P*L/100) and maker ceil(P*L/200) fee units.
const cases: Case[] = [
  {
    name: 'less quantity at the same price keeps the order first in its queue',
    setup: [sell('a', 5, 100), sell('b', 5, 100)],
    cmd: amend('a', { qty: 3 }),
    events: ['amended a kept 3/3@100', 'book Sell 100=8'],
    book: 'ask 100 x 8\n---',
    then: { cmd: buy('t', 3, 100), events: ['accepted t', 'trade t<-a 3@100 fee 3/2 left 0/0', 'book Sell 100=5'] },
  },
  {
    name: 'the quantity is the total: after a partial fill, reducing it leaves quantity minus filled',
    setup: [sell('a', 10, 100), buy('t', 4, 100)],
    cmd: amend('a', { qty: 7 }),
    events: ['amended a kept 7/3@100', 'book Sell 100=3'],
    book: 'ask 100 x 3\n---',
  },
  {
    name: 'more quantity at the same price loses priority: to the back of the queue',
    setup: [sell('a', 5, 100), sell('b', 5, 100)],
    cmd: amend('a', { qty: 6 }),
    events: ['amended a moved 6/6@100', 'rested a 6@100', 'book Sell 100=11'],
    book: 'ask 100 x 11\n---',
    then: { cmd: buy('t', 5, 100), events: ['accepted t', 'trade t<-b 5@100 fee 5/3 left 0/0', 'book Sell 100=6'] },
  },
  {
    name: 'a new price moves the order: old level, then new level, at the back of it',
    setup: [sell('a', 5, 100), sell('c', 2, 101)],
    cmd: amend('a', { price: 101 }),
    events: ['amended a moved 5/5@101', 'rested a 5@101', 'book Sell 100=0', 'book Sell 101=7'],
    book: 'ask 101 x 7\n---',
    then: { cmd: buy('t', 2, 101), events: ['accepted t', 'trade t<-c 2@101 fee 3/2 left 0/0', 'book Sell 101=5'] },
  },
  {
    name: 'a new price that crosses trades as a taker at the makers\' prices, then the rest rests',
    setup: [buy('b1', 2, 99), buy('b2', 3, 98), sell('a', 10, 105)],
    cmd: amend('a', { price: 98 }),
    events: [
      'amended a moved 10/10@98',
      'trade a<-b1 2@99 fee 2/1 left 8/0',
      'trade a<-b2 3@98 fee 3/2 left 5/0',
      'rested a 5@98',
      'book Sell 105=0',
      'book Buy 99=0',
      'book Buy 98=0',
      'book Sell 98=5',
    ],
    book: 'ask 98 x 5\n---',
  },
  {
    name: 'an amend that crosses and fills completely finishes the order (it no longer rests)',
    setup: [buy('b1', 5, 99), sell('a', 3, 105)],
    cmd: amend('a', { price: 99 }),
    events: ['amended a moved 3/3@99', 'trade a<-b1 3@99 fee 3/2 left 0/2', 'book Sell 105=0', 'book Buy 99=2'],
    book: '---\nbid 99 x 2',
    then: { cmd: cancel('a', 'r'), events: ['cancel_rejected a ORDER_NOT_FOUND r'] },
  },
  {
    name: 'price and quantity at once',
    setup: [buy('b', 4, 90)],
    cmd: amend('b', { qty: 6, price: 91 }),
    events: ['amended b moved 6/6@91', 'rested b 6@91', 'book Buy 90=0', 'book Buy 91=6'],
    book: '---\nbid 91 x 6',
  },
  {
    name: 'a post-only order moved to a price that would cross is rejected and stays as it was',
    setup: [buy('b', 2, 99), { ...sell('p', 4, 101, 'POST_ONLY') }],
    cmd: amend('p', { price: 99 }),
    events: ['amend_rejected p POST_ONLY_WOULD_CROSS'],
    book: 'ask 101 x 4\n---\nbid 99 x 2',
  },
  {
    name: 'a post-only order may move to a price that does not cross',
    setup: [buy('b', 2, 99), sell('p', 4, 101, 'POST_ONLY')],
    cmd: amend('p', { price: 100 }),
    events: ['amended p moved 4/4@100', 'rested p 4@100', 'book Sell 101=0', 'book Sell 100=4'],
    book: 'ask 100 x 4\n---\nbid 99 x 2',
  },
  {
    name: 'an unknown order: ORDER_NOT_FOUND',
    setup: [sell('a', 5, 100)],
    cmd: amend('nope', { qty: 1 }),
    events: ['amend_rejected nope ORDER_NOT_FOUND'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a filled order: ORDER_NOT_FOUND',
    setup: [sell('a', 5, 100), buy('t', 5, 100)],
    cmd: amend('a', { qty: 9 }),
    events: ['amend_rejected a ORDER_NOT_FOUND'],
    book: '---',
  },
  {
    name: 'a cancelled order: ORDER_NOT_FOUND',
    setup: [sell('a', 5, 100), cancel('a')],
    cmd: amend('a', { price: 101 }),
    events: ['amend_rejected a ORDER_NOT_FOUND'],
    book: '---',
  },
  {
    name: 'the same quantity and price: NOTHING_CHANGED',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', { qty: 5, price: 100 }),
    events: ['amend_rejected a NOTHING_CHANGED'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'neither quantity nor price: NOTHING_CHANGED',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', {}),
    events: ['amend_rejected a NOTHING_CHANGED'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a quantity at what has filled: QUANTITY_NOT_ABOVE_FILLED',
    setup: [sell('a', 10, 100), buy('t', 4, 100)],
    cmd: amend('a', { qty: 4 }),
    events: ['amend_rejected a QUANTITY_NOT_ABOVE_FILLED'],
    book: 'ask 100 x 6\n---',
  },
  {
    name: 'a quantity below what has filled: QUANTITY_NOT_ABOVE_FILLED, even with a new price',
    setup: [sell('a', 10, 100), buy('t', 4, 100)],
    cmd: amend('a', { qty: 3, price: 102 }),
    events: ['amend_rejected a QUANTITY_NOT_ABOVE_FILLED'],
    book: 'ask 100 x 6\n---',
  },
  {
    name: 'a zero quantity: INVALID_QUANTITY',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', { qty: 0 }),
    events: ['amend_rejected a INVALID_QUANTITY'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a fractional quantity: INVALID_QUANTITY',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', { qty: 2.5 }),
    events: ['amend_rejected a INVALID_QUANTITY'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a price off the tick grid: INVALID_PRICE',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', { price: 100.5 }),
    events: ['amend_rejected a INVALID_PRICE'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'a zero price: INVALID_PRICE',
    setup: [sell('a', 5, 100)],
    cmd: amend('a', { price: 0 }),
    events: ['amend_rejected a INVALID_PRICE'],
    book: 'ask 100 x 5\n---',
  },
];

describe('MatchingCore amend', () => {
  test.each(cases)('$name', ({ setup, cmd, events, book, then }) => {
    const core = new MatchingCore(BTC);
    for (const c of setup) core.apply(c);
    const before = JSON.stringify(core.snapshot());
    const got = core.apply(cmd);
    expect(got.map(summarize)).toEqual(events);
    expect(renderBook(core.depth(50))).toBe(ladder(book));
    if (got[0].kind === 'amend_rejected') {
      // A rejected amend changes nothing but the sequence.
      expect({ ...JSON.parse(JSON.stringify(core.snapshot())), seq: 0 }).toEqual({ ...JSON.parse(before), seq: 0 });
    }
    if (then !== undefined) expect(core.apply(then.cmd).map(summarize)).toEqual(then.events);
  });

  test('amend events carry the request id and have exactly the protocol schema', () => {
    const core = new MatchingCore(BTC);
    core.apply(sell('a', 5, 100));
    const all = [...core.apply(amend('a', { qty: 4 }, 'r1')), ...core.apply(amend('a', { price: 101 }, 'r2')), ...core.apply(amend('zz', { qty: 1 }, 'r3'))];
    for (const e of all) expect(EngineEvent.parse(e)).toEqual(e);
    expect(all.filter((e) => 'request_id' in e).map((e) => (e as { request_id: string }).request_id)).toEqual(['r1', 'r2', 'r3']);
    expect(all[2]).toMatchObject({ kind: 'amended', kept_priority: false, qty_lots: 4, remaining_lots: 4, price_ticks: 101, side: 'Sell' });
  });

  test('a snapshot keeps what has filled and the post-only flag: a restored core amends the same way', () => {
    const core = new MatchingCore(BTC);
    for (const c of [sell('a', 10, 100), buy('t', 4, 100), sell('p', 3, 102, 'POST_ONLY'), buy('b', 1, 95)]) core.apply(c);
    const snap = JSON.parse(JSON.stringify(core.snapshot()));
    expect(snap.asks).toEqual([
      [100, [['a', 6, 4]]],
      [102, [['p', 3, 0, 1]]],
    ]);
    expect(snap.bids).toEqual([[95, [['b', 1]]]]);
    const restored = MatchingCore.restore(BTC, snap);
    for (const cmd of [amend('a', { qty: 4 }), amend('a', { qty: 8 }), amend('p', { price: 95 }), amend('p', { price: 96 }), market('Buy', 'm', 20)]) {
      expect(JSON.stringify(restored.apply(cmd))).toBe(JSON.stringify(core.apply(cmd)));
    }
  });

  test('an amend without an order id or request id is ruled out by the stream contract and throws', () => {
    const core = new MatchingCore(BTC);
    core.apply(sell('a', 5, 100));
    expect(() => core.apply({ v: 1, kind: 'amend', order_id: '', request_id: 'r', qty_lots: 1, ts: 1 })).toThrow(InvalidCommandError);
    expect(() => core.apply({ v: 1, kind: 'amend', order_id: 'a', request_id: '', qty_lots: 1, ts: 1 })).toThrow(InvalidCommandError);
    expect(core.lastSequence).toBe(3);
  });
});
