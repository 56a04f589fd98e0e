import { feeToQuoteUnits, feeUnits, notionalQuoteUnits, parseAssetAmount, type TimedCommand } from '@xtrader/protocol';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { InvalidCommandError, MatchingCore } from '../../src/core';
import { AAPL, amend, BTC, buy, by, ladder, market, quoteBuy, renderBook, run, sell, summarize, type Case } from './helpers';

// BTC-KRW: 1 tick = 1000 KRW, 1 lot = 0.0001 BTC, so L lots at P ticks cost P*L/10 KRW plus the
// taker fee ceil(P*L/100) fee units of 0.01 KRW (the maker pays ceil(P*L/200)). A quote order's
// quantity is the market's maximum, 1,000,000 lots.
const budgetCases: Case[] = [
  {
    name: 'a quote budget runs out mid-level: the fill that fits, then the rest is cancelled',
    // 3@100 costs 30 + 0.03 = 30.03 KRW; of the 29.97 left, 2@101 (20.2 + 0.03) fits and 3 (30.3 + 0.04) does not.
    setup: [sell('m1', 3, 100), sell('m2', 5, 101)],
    cmd: quoteBuy('q', '60'),
    events: [
      'accepted q',
      'trade q<-m1 3@100 fee 3/2 left 999997/0',
      'trade q<-m2 2@101 fee 3/2 left 999995/3',
      'cancelled q 999995 budget_spent',
      'book Sell 100=0',
      'book Sell 101=3',
    ],
    book: 'ask 101 x 3\n---',
  },
  {
    name: 'a budget smaller than one lot with its fee fills nothing and leaves the book as it was',
    // one lot at 150 costs 15 KRW + ceil(1.5) = 2 fee units: 15.02 KRW.
    setup: [sell('m1', 5, 150)],
    cmd: quoteBuy('q', '15.01'),
    events: ['accepted q', 'cancelled q 1000000 budget_spent'],
    book: 'ask 150 x 5\n---',
  },
  {
    name: 'the fee is part of the budget: exactly price x quantity + fee buys that lot',
    setup: [sell('m1', 5, 150)],
    cmd: quoteBuy('q', '15.02'),
    events: ['accepted q', 'trade q<-m1 1@150 fee 2/1 left 999999/4', 'cancelled q 999999 budget_spent', 'book Sell 150=4'],
    book: 'ask 150 x 4\n---',
  },
  {
    name: 'a budget spent to the last unit stops before the next maker of the level',
    setup: [sell('m1', 2, 100), sell('m2', 2, 100)],
    cmd: quoteBuy('q', '20.02'),
    events: ['accepted q', 'trade q<-m1 2@100 fee 2/1 left 999998/0', 'cancelled q 999998 budget_spent', 'book Sell 100=2'],
    book: 'ask 100 x 2\n---',
  },
  {
    name: 'a quote order the book cannot use up ends for lack of liquidity',
    setup: [sell('m1', 2, 100)],
    cmd: quoteBuy('q', '1000'),
    events: ['accepted q', 'trade q<-m1 2@100 fee 2/1 left 999998/0', 'cancelled q 999998 no_liquidity', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a budget finer than the cost unit is rounded down (nothing an order can spend is finer)',
    setup: [sell('m1', 5, 150)],
    cmd: quoteBuy('q', '15.0199999'),
    events: ['accepted q', 'cancelled q 1000000 budget_spent'],
    book: 'ask 150 x 5\n---',
  },
  {
    name: 'a Market Buy by quantity never spends more than its spend limit (the ledger lock)',
    // 4 lots cost 40.04 KRW, 5 lots 50.05.
    setup: [sell('m1', 10, 100)],
    cmd: { ...market('Buy', 'b', 10), spend_limit: '50' },
    events: ['accepted b', 'trade b<-m1 4@100 fee 4/2 left 6/6', 'cancelled b 6 budget_spent', 'book Sell 100=6'],
    book: 'ask 100 x 6\n---',
  },
  {
    name: 'a fill-or-kill Market Buy its spend limit cannot pay for whole is rejected',
    setup: [sell('m1', 10, 100)],
    cmd: { ...market('Buy', 'b', 10, 'FOK'), spend_limit: '100.09' },
    events: ['rejected b FOK_CANNOT_FILL'],
    book: 'ask 100 x 10\n---',
  },
  {
    name: 'a fill-or-kill Market Buy whose spend limit pays for all of it fills',
    setup: [sell('m1', 10, 100)],
    cmd: { ...market('Buy', 'b', 10, 'FOK'), spend_limit: '100.10' },
    events: ['accepted b', 'trade b<-m1 10@100 fee 10/5 left 0/0', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'with both a quote quantity and a spend limit the smaller one binds',
    setup: [sell('m1', 10, 100)],
    cmd: { ...quoteBuy('q', '100'), spend_limit: '30.03' },
    events: ['accepted q', 'trade q<-m1 3@100 fee 3/2 left 999997/7', 'cancelled q 999997 budget_spent', 'book Sell 100=7'],
    book: 'ask 100 x 7\n---',
  },
];

const A = (cmd: Parameters<typeof by>[1], stp?: Parameters<typeof by>[2]) => by('A', cmd, stp);
const B = (cmd: Parameters<typeof by>[1], stp?: Parameters<typeof by>[2]) => by('B', cmd, stp);
/** Asks of A and B mixed over three levels: 100 (A 2, B 2), 101 (A 1), 102 (B 3, A 1). */
const mixedAsks = [A(sell('a1', 2, 100)), B(sell('b1', 2, 100)), A(sell('a2', 1, 101)), B(sell('b2', 3, 102)), A(sell('a3', 1, 102))];

const stpCases: Case[] = [
  {
    name: 'EXPIRE_MAKER (the default): the own resting order is cancelled, the taker trades on with others',
    setup: [A(sell('a1', 3, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('t', 4, 100)),
    events: ['accepted t', 'cancelled a1 3 SELF_TRADE_PREVENTION', 'trade t<-b1 2@100 fee 2/1 left 2/0', 'rested t 2@100', 'book Sell 100=0', 'book Buy 100=2'],
    book: '---\nbid 100 x 2',
  },
  {
    name: 'EXPIRE_TAKER: the taker ends at its own order, which stays; an untouched level gets no book event',
    setup: [A(sell('a1', 3, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('t', 4, 100), 'EXPIRE_TAKER'),
    events: ['accepted t', 'cancelled t 4 SELF_TRADE_PREVENTION'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'EXPIRE_TAKER after a fill: what traded stands, the rest of the taker expires (a GTC does not rest)',
    setup: [B(sell('b1', 2, 100)), A(sell('a1', 3, 100))],
    cmd: A(buy('t', 4, 100), 'EXPIRE_TAKER'),
    events: ['accepted t', 'trade t<-b1 2@100 fee 2/1 left 2/0', 'cancelled t 2 SELF_TRADE_PREVENTION', 'book Sell 100=3'],
    book: 'ask 100 x 3\n---',
  },
  {
    name: 'EXPIRE_BOTH: the own resting order and the taker both end',
    setup: [A(sell('a1', 3, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('t', 4, 100), 'EXPIRE_BOTH'),
    events: ['accepted t', 'cancelled a1 3 SELF_TRADE_PREVENTION', 'cancelled t 4 SELF_TRADE_PREVENTION', 'book Sell 100=2'],
    book: 'ask 100 x 2\n---',
  },
  {
    name: 'NONE: the taker trades with its own account like with anyone',
    setup: [A(sell('a1', 3, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('t', 4, 100), 'NONE'),
    events: ['accepted t', 'trade t<-a1 3@100 fee 3/2 left 1/0', 'trade t<-b1 1@100 fee 1/1 left 0/1', 'book Sell 100=1'],
    book: 'ask 100 x 1\n---',
  },
  {
    name: 'EXPIRE_MAKER sweeping several own and foreign makers over three levels',
    setup: mixedAsks,
    cmd: A(market('Buy', 't', 10)),
    events: [
      'accepted t',
      'cancelled a1 2 SELF_TRADE_PREVENTION',
      'trade t<-b1 2@100 fee 2/1 left 8/0',
      'cancelled a2 1 SELF_TRADE_PREVENTION',
      'trade t<-b2 3@102 fee 4/2 left 5/0',
      'cancelled a3 1 SELF_TRADE_PREVENTION',
      'cancelled t 5 no_liquidity',
      'book Sell 100=0',
      'book Sell 101=0',
      'book Sell 102=0',
    ],
    book: '---',
  },
  {
    name: 'EXPIRE_TAKER on the same book: the taker meets its own order first and ends untraded',
    setup: mixedAsks,
    cmd: A(market('Buy', 't', 10), 'EXPIRE_TAKER'),
    events: ['accepted t', 'cancelled t 10 SELF_TRADE_PREVENTION'],
    book: 'ask 102 x 4\nask 101 x 1\nask 100 x 4\n---',
  },
  {
    name: 'EXPIRE_BOTH on the same book: the first own order and the taker end',
    setup: mixedAsks,
    cmd: A(market('Buy', 't', 10), 'EXPIRE_BOTH'),
    events: ['accepted t', 'cancelled a1 2 SELF_TRADE_PREVENTION', 'cancelled t 10 SELF_TRADE_PREVENTION', 'book Sell 100=2'],
    book: 'ask 102 x 4\nask 101 x 1\nask 100 x 2\n---',
  },
  {
    name: 'EXPIRE_BOTH that removes the last order of a level ends there',
    setup: [A(sell('a1', 2, 100)), B(sell('b1', 2, 101))],
    cmd: A(buy('t', 4, 101), 'EXPIRE_BOTH'),
    events: ['accepted t', 'cancelled a1 2 SELF_TRADE_PREVENTION', 'cancelled t 4 SELF_TRADE_PREVENTION', 'book Sell 100=0'],
    book: 'ask 101 x 2\n---',
  },
  {
    name: "the taker's mode decides: a resting order marked NONE is still expired by a default taker",
    setup: [A(sell('a1', 2, 100), 'NONE')],
    cmd: A(buy('t', 2, 100)),
    events: ['accepted t', 'cancelled a1 2 SELF_TRADE_PREVENTION', 'rested t 2@100', 'book Sell 100=0', 'book Buy 100=2'],
    book: '---\nbid 100 x 2',
  },
  {
    name: 'orders of no account never meet themselves',
    setup: [sell('a1', 2, 100)],
    cmd: buy('t', 2, 100),
    events: ['accepted t', 'trade t<-a1 2@100 fee 2/1 left 0/0', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a fill-or-kill counts only what it may trade: own orders it would expire do not count',
    setup: [A(sell('a1', 2, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('f', 3, 100, 'FOK')),
    events: ['rejected f FOK_CANNOT_FILL'],
    book: 'ask 100 x 4\n---',
  },
  {
    name: 'a fill-or-kill that the foreign orders fill expires the own ones it passes',
    setup: [A(sell('a1', 2, 100)), B(sell('b1', 2, 100))],
    cmd: A(buy('f', 2, 100, 'FOK')),
    events: ['accepted f', 'cancelled a1 2 SELF_TRADE_PREVENTION', 'trade f<-b1 2@100 fee 2/1 left 0/0', 'book Sell 100=0'],
    book: '---',
  },
  {
    name: 'a fill-or-kill EXPIRE_TAKER that would meet its own order before it fills is rejected',
    setup: [B(sell('b1', 1, 100)), A(sell('a1', 2, 100)), B(sell('b2', 2, 100))],
    cmd: A(buy('f', 2, 100, 'FOK'), 'EXPIRE_TAKER'),
    events: ['rejected f FOK_CANNOT_FILL'],
    book: 'ask 100 x 5\n---',
  },
  {
    name: 'an amend that now crosses an own order expires it (EXPIRE_MAKER) and rests',
    setup: [A(buy('m', 2, 99)), A(sell('x', 3, 101))],
    cmd: amend('m', { price: 101 }),
    events: ['amended m moved 2/2@101', 'cancelled x 3 SELF_TRADE_PREVENTION', 'rested m 2@101', 'book Buy 99=0', 'book Sell 101=0', 'book Buy 101=2'],
    book: '---\nbid 101 x 2',
  },
  {
    name: 'an amended order keeps its mode: EXPIRE_TAKER ends it at its own order',
    setup: [A(buy('m', 2, 99), 'EXPIRE_TAKER'), A(sell('x', 3, 101))],
    cmd: amend('m', { price: 101 }),
    events: ['amended m moved 2/2@101', 'cancelled m 2 SELF_TRADE_PREVENTION', 'book Buy 99=0'],
    book: 'ask 101 x 3\n---',
  },
];

describe('Market Buy by quote amount (budget, fee included)', () => {
  test.each(budgetCases)('$name', ({ setup, cmd, events, book }) => {
    const result = run(setup, cmd);
    expect(result.lines).toEqual(events);
    expect(result.book).toBe(ladder(book));
  });

  test('on a deep book a budget order spends at most its budget, fee included, and could not pay for one lot more', () => {
    const config = loadExchangeConfig();
    for (const [spec, budget] of [
      [BTC, '5000.07'],
      [AAPL, '500.0001'],
    ] as const) {
      const m = config.units.get(spec.symbol)!;
      const core = new MatchingCore(spec);
      for (let k = 0; k < 200; k++) core.apply(sell(`s${k}`, 1 + (k % 7), 100 + (k % 13) * 3));
      const events = core.apply(quoteBuy('q', budget, spec));
      let spent = 0n;
      for (const e of events) if (e.kind === 'trade') spent += notionalQuoteUnits(m, e.price_ticks, e.qty_lots) + feeToQuoteUnits(m, e.taker_fee);
      const limit = parseAssetAmount(m.quote, budget);
      expect(spent).toBeLessThanOrEqual(limit);
      expect(events.find((e) => e.kind === 'cancelled')).toMatchObject({ order_id: 'q', reason: 'budget_spent' });
      const [bestAsk] = core.depth(1).asks[0];
      expect(spent + notionalQuoteUnits(m, bestAsk, 1) + feeToQuoteUnits(m, feeUnits(spec, bestAsk, 1, spec.takerRate))).toBeGreaterThan(limit);
    }
  });

  test('a budget on anything but a Market Buy, or a malformed one, is outside the contract and changes nothing', () => {
    const core = new MatchingCore(BTC);
    core.apply(sell('m1', 2, 100));
    const before = renderBook(core.depth(10));
    const bad: TimedCommand[] = [{ ...buy('l', 1, 100), quote_quantity: '10' }, { ...market('Sell', 's', 1), quote_quantity: '10' }, { ...market('Buy', 'b', 1), spend_limit: '1e3' }];
    for (const cmd of bad) expect(() => core.apply(cmd)).toThrow(InvalidCommandError);
    expect(renderBook(core.depth(10))).toBe(before);
    expect(core.lastSequence).toBe(3);
  });
});

describe('Self-trade prevention (the taker decides)', () => {
  test.each(stpCases)('$name', ({ setup, cmd, events, book }) => {
    const result = run(setup, cmd);
    expect(result.lines).toEqual(events);
    expect(result.book).toBe(ladder(book));
  });

  test('accounts and modes of resting orders survive a snapshot', () => {
    const core = new MatchingCore(BTC);
    for (const c of [A(sell('a1', 2, 100), 'EXPIRE_BOTH'), B(sell('b1', 2, 100)), A(buy('a2', 1, 90), 'NONE'), A(buy('a3', 1, 89, 'POST_ONLY'))]) core.apply(c);
    const snap = JSON.parse(JSON.stringify(core.snapshot())) as ReturnType<MatchingCore['snapshot']>;
    expect(snap.asks).toEqual([[100, [['a1', 2, 0, 0, 'A', 'EXPIRE_BOTH'], ['b1', 2, 0, 0, 'B']]]]);
    expect(snap.bids).toEqual([[90, [['a2', 1, 0, 0, 'A', 'NONE']]], [89, [['a3', 1, 0, 1, 'A']]]]);
    const restored = MatchingCore.restore(BTC, snap);
    expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(core.snapshot()));
    const cmd = A(buy('t', 4, 100));
    expect(restored.apply(cmd).map(summarize)).toEqual(core.apply(cmd).map(summarize));
    expect(core.apply(A(sell('t2', 1, 90))).map(summarize)).toEqual([
      'accepted t2',
      'cancelled t 2 SELF_TRADE_PREVENTION',
      'cancelled a2 1 SELF_TRADE_PREVENTION',
      'rested t2 1@90',
      'book Buy 100=0',
      'book Buy 90=0',
      'book Sell 90=1',
    ]);
  });
});
