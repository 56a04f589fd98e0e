import { accountShard, parseAssetAmount, type LockCommand, type TradeEvent } from '@xtrader/protocol';
import { Ledger, LedgerInvariantError, settledLeg } from '../../src/core';
import { config, deposit, Exchange, withdrawal } from './harness';

const KRW = config.assets.get('KRW')!;
const BTC = config.assets.get('BTC')!;
const USD = config.assets.get('USD')!;
const krw = (text: string) => parseAssetAmount(KRW, text);
const btc = (text: string) => parseAssetAmount(BTC, text);
const usd = (text: string) => parseAssetAmount(USD, text);

function fresh() {
  const ledger = new Ledger(config);
  const exchange = new Exchange(() => ledger, [ledger]);
  return { ledger, exchange };
}

/** A Limit order on BTC-KRW by decimal price and quantity (ticks of 1000 KRW, lots of 0.0001 BTC). */
function limit(side: 'Buy' | 'Sell', price: number, qty: number, tif: 'GTC' | 'IOC' | 'FOK' | 'POST_ONLY' = 'GTC') {
  return { side, type: 'Limit' as const, tif, price_ticks: price / 1000, qty_lots: Math.round(qty * 10_000) };
}

function lockCmd(over: Partial<LockCommand>): LockCommand {
  return { v: 1, kind: 'lock', order_id: 'x1', account_id: 'alice', symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price_ticks: 50_000, qty_lots: 5000, quote_quantity: null, ...over };
}

describe('deposits and withdrawals', () => {
  test('a deposit credits available; the same deposit again answers the first answer and credits nothing', () => {
    const { ledger } = fresh();
    const first = ledger.transfer(deposit('tx1', 'alice', 'KRW', '1000'));
    expect(first).toMatchObject({ ok: true, amount: krw('1000'), available: krw('1000'), locked: 0n });
    ledger.transfer(deposit('tx2', 'alice', 'KRW', '5'));
    // "1000.00" is the same amount: the same content, so the first answer (balance as it was then).
    expect(ledger.transfer(deposit('tx1', 'alice', 'KRW', '1000.00'))).toEqual(first);
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('1005'), locked: 0n });
  });

  test.each([
    ['another amount', deposit('tx1', 'alice', 'KRW', '1001')],
    ['another account', deposit('tx1', 'bob', 'KRW', '1000')],
    ['another asset', deposit('tx1', 'alice', 'BTC', '1000')],
    ['a withdrawal', withdrawal('tx1', 'alice', 'KRW', '1000')],
  ])('the same tx_id with different content (%s) is a TX_ID_CONFLICT and changes nothing', (_name, replay) => {
    const { ledger } = fresh();
    ledger.transfer(deposit('tx1', 'alice', 'KRW', '1000'));
    expect(ledger.transfer(replay)).toMatchObject({ ok: false, code: 'TX_ID_CONFLICT' });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('1000'), locked: 0n });
    expect(ledger.balance('bob', 'KRW')).toEqual({ available: 0n, locked: 0n });
    expect(ledger.balance('alice', 'BTC')).toEqual({ available: 0n, locked: 0n });
  });

  test('a withdrawal takes from available only: over available is INSUFFICIENT_FUNDS, changes nothing, and may be retried once funded', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'KRW', '30000000'));
    exchange.place('alice', 'BTC-KRW', limit('Buy', 50_000_000, 0.5)); // locks 25,025,000
    const w = withdrawal('w1', 'alice', 'KRW', '5000000');
    expect(ledger.transfer(w)).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS', message: 'available 4975000 KRW is less than 5000000' });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('4975000'), locked: krw('25025000') });
    ledger.transfer(deposit('d2', 'alice', 'KRW', '25000'));
    expect(ledger.transfer(w)).toMatchObject({ ok: true, available: 0n, locked: krw('25025000') });
    expect(ledger.transfer(w)).toMatchObject({ ok: true, available: 0n }); // replay: first answer, nothing taken twice
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: 0n, locked: krw('25025000') });
  });

  test.each([
    ['negative', '-5', 'INVALID_AMOUNT'],
    ['negative number', -5, 'INVALID_AMOUNT'],
    ['zero', '0', 'INVALID_AMOUNT'],
    ['finer than 0.01 KRW', '0.001', 'INVALID_AMOUNT'],
    ['an exponent', '1e6', 'INVALID_AMOUNT'],
    ['not a number', 'lots', 'INVALID_AMOUNT'],
  ])('a %s amount is refused (%p -> %s) and changes nothing', (_name, amount, code) => {
    const { ledger } = fresh();
    expect(ledger.transfer(deposit('tx1', 'alice', 'KRW', amount))).toMatchObject({ ok: false, code });
    expect(ledger.transfer(withdrawal('tx2', 'alice', 'KRW', amount))).toMatchObject({ ok: false, code });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: 0n, locked: 0n });
    // A refused transfer records nothing: its tx_id is still free.
    expect(ledger.transfer(deposit('tx1', 'alice', 'KRW', '1'))).toMatchObject({ ok: true });
  });

  test('an unknown asset is ASSET_NOT_FOUND', () => {
    const { ledger } = fresh();
    expect(ledger.transfer(deposit('tx1', 'alice', 'DOGE', '1'))).toMatchObject({ ok: false, code: 'ASSET_NOT_FOUND', message: 'unknown asset DOGE' });
    expect(ledger.accounts()).toEqual([]);
  });

  test('precision follows the asset: 0.00000001 BTC is fine, 0.0001 USD is fine, 0.00001 USD is not', () => {
    const { ledger } = fresh();
    expect(ledger.transfer(deposit('a', 'alice', 'BTC', '0.00000001'))).toMatchObject({ ok: true, amount: 1n });
    expect(ledger.transfer(deposit('b', 'alice', 'USD', '0.0001'))).toMatchObject({ ok: true, amount: 1n });
    expect(ledger.transfer(deposit('c', 'alice', 'USD', '0.00001'))).toMatchObject({ ok: false, code: 'INVALID_AMOUNT', message: 'amount 0.00001 is finer than the USD unit 0.0001' });
  });
});

describe('locks before the order reaches the book', () => {
  test('a Limit Buy locks price x quantity plus the taker fee, in quote', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '30000000'));
    // 0.5 BTC at 50,000,000 KRW = 25,000,000 KRW + 0.1% = 25,000 KRW
    expect(ledger.lock(lockCmd({}))).toEqual({ ok: true, order_id: 'x1', asset: 'KRW', amount: krw('25025000') });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('4975000'), locked: krw('25025000') });
    expect(ledger.hold('x1')).toMatchObject({ account_id: 'alice', symbol: 'BTC-KRW', asset: 'KRW', locked: krw('25025000') });
  });

  test('a Sell locks its quantity in base', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'BTC', '1'));
    expect(ledger.lock(lockCmd({ side: 'Sell' }))).toMatchObject({ ok: true, asset: 'BTC', amount: btc('0.5') });
    expect(ledger.lock(lockCmd({ order_id: 'x2', side: 'Sell', type: 'Market', price_ticks: null, qty_lots: 1 }))).toMatchObject({ ok: true, amount: btc('0.0001') });
    expect(ledger.balance('alice', 'BTC')).toEqual({ available: btc('0.4999'), locked: btc('0.5001') });
  });

  test('a Market Buy by quantity locks what it could cost at the market\'s max price; by quote_quantity, that budget', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '2000000'));
    // 0.0001 BTC at 10,000,000,000 KRW = 1,000,000 KRW + 1,000 KRW fee
    expect(ledger.lock(lockCmd({ type: 'Market', price_ticks: null, qty_lots: 1 }))).toMatchObject({ ok: true, amount: krw('1001000') });
    expect(ledger.lock(lockCmd({ order_id: 'x2', type: 'Market', price_ticks: null, qty_lots: null, quote_quantity: '500000.5' }))).toMatchObject({ ok: true, amount: krw('500000.5') });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('498999.5'), locked: krw('1501000.5') });
  });

  test('a fee below one fee unit per lot is locked as one unit per lot (each fill rounds up on its own)', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'USD', '1000'));
    // AAPL: 3 shares at 187.25 USD = 561.75; 0.05% of one share = 0.093625 -> 0.0937 per share
    const answer = ledger.lock(lockCmd({ symbol: 'AAPL', price_ticks: 18_725, qty_lots: 3 }));
    expect(answer).toMatchObject({ ok: true, asset: 'USD', amount: usd('561.75') + 3n * usd('0.0937') });
  });

  test('an order the account cannot fund is INSUFFICIENT_FUNDS: nothing locked, no hold', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '25024999.99'));
    const { answer, events } = exchange.place('alice', 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    expect(answer).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS', message: 'the order needs 25025000 KRW; available is 25024999.99' });
    expect(events).toEqual([]); // never reached the book
    expect(exchange.cores.get('BTC-KRW')!.openOrders).toBe(0);
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('25024999.99'), locked: 0n });
    expect(ledger.openHolds).toBe(0);
    ledger.transfer(deposit('d2', 'alice', 'KRW', '0.01'));
    expect(exchange.place('alice', 'BTC-KRW', limit('Buy', 50_000_000, 0.5)).answer).toMatchObject({ ok: true });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: 0n, locked: krw('25025000') });
  });

  test('a Sell of base the account does not have is INSUFFICIENT_FUNDS', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'BTC', '0.4999'));
    expect(ledger.lock(lockCmd({ side: 'Sell' }))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(ledger.balance('alice', 'BTC')).toEqual({ available: btc('0.4999'), locked: 0n });
  });

  test('the same lock again answers the same and locks once; another order under a held id is refused', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '60000000'));
    const first = ledger.lock(lockCmd({}));
    expect(ledger.lock(lockCmd({}))).toEqual(first);
    expect(ledger.lock(lockCmd({ qty_lots: 1 }))).toMatchObject({ ok: false, code: 'INVALID_ORDER_ID' });
    expect(ledger.balance('alice', 'KRW').locked).toBe(krw('25025000'));
  });

  test.each<[string, Partial<LockCommand>, string]>([
    ['an unknown symbol', { symbol: 'DOGE-KRW' }, 'SYMBOL_NOT_FOUND'],
    ['a Limit without a price', { price_ticks: null }, 'PRICE_REQUIRED'],
    ['a Market with a price', { type: 'Market' }, 'INVALID_PRICE'],
    ['a price above max_price', { price_ticks: 10_000_001 }, 'INVALID_PRICE'],
    ['a quantity above max_quantity', { qty_lots: 1_000_001 }, 'INVALID_QUANTITY'],
    ['no quantity', { qty_lots: null }, 'INVALID_QUANTITY'],
    ['quote_quantity on a Limit', { quote_quantity: '1000' }, 'INVALID_REQUEST'],
    ['quote_quantity on a Market Sell', { side: 'Sell', type: 'Market', price_ticks: null, qty_lots: null, quote_quantity: '1000' }, 'INVALID_REQUEST'],
    ['quantity and quote_quantity', { type: 'Market', price_ticks: null, quote_quantity: '1000' }, 'INVALID_REQUEST'],
    ['a negative quote_quantity', { type: 'Market', price_ticks: null, qty_lots: null, quote_quantity: '-1' }, 'INVALID_AMOUNT'],
    ['an over-precise quote_quantity', { type: 'Market', price_ticks: null, qty_lots: null, quote_quantity: '1.001' }, 'INVALID_AMOUNT'],
  ])('%s is refused (%s) and locks nothing', (_name, over, code) => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '100000000'));
    expect(ledger.lock(lockCmd(over))).toMatchObject({ ok: false, code });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('100000000'), locked: 0n });
    expect(ledger.openHolds).toBe(0);
  });
});

describe('settlement from the engine\'s events', () => {
  function crossed() {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'seller', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'buyer', 'KRW', '30000000'));
    exchange.place('seller', 'BTC-KRW', limit('Sell', 49_000_000, 0.5));
    const taken = exchange.place('buyer', 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    return { ledger, exchange, taken };
  }

  test('a Limit Buy filled at a better price pays the maker\'s price plus its taker fee; the surplus returns when it ends', () => {
    const { ledger } = crossed();
    // 0.5 BTC at 49,000,000 = 24,500,000 KRW; taker fee 0.1% = 24,500; maker fee 0.05% = 12,250
    expect(ledger.balance('buyer', 'KRW')).toEqual({ available: krw('30000000') - krw('24524500'), locked: 0n });
    expect(ledger.balance('buyer', 'BTC')).toEqual({ available: btc('0.5'), locked: 0n });
    expect(ledger.balance('seller', 'BTC')).toEqual({ available: btc('0.5'), locked: 0n });
    expect(ledger.balance('seller', 'KRW')).toEqual({ available: krw('24487750'), locked: 0n });
    expect(ledger.fees()).toEqual(new Map([['KRW', krw('36750')]]));
    expect(ledger.openHolds).toBe(0);
  });

  test('each event is applied once: the same events again change nothing', () => {
    const { ledger, taken } = crossed();
    const before = JSON.stringify(['buyer', 'seller'].map((a) => [ledger.balance(a, 'KRW'), ledger.balance(a, 'BTC')]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(ledger.applyEvents('BTC-KRW', taken.events)).toBe(0);
    const after = JSON.stringify(['buyer', 'seller'].map((a) => [ledger.balance(a, 'KRW'), ledger.balance(a, 'BTC')]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(after).toBe(before);
    expect(ledger.fees().get('KRW')).toBe(krw('36750'));
  });

  test('a resting buy partly filled as maker pays the maker fee; cancelling it releases exactly what is left', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'maker', 'KRW', '25025000'));
    ledger.transfer(deposit('d2', 'taker', 'BTC', '1'));
    const { orderId } = exchange.place('maker', 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    exchange.place('taker', 'BTC-KRW', limit('Sell', 50_000_000, 0.2));
    // paid 0.2 x 50,000,000 = 10,000,000 + maker fee 5,000; still locked for 0.3 BTC: 15,015,000 + surplus 5,000
    expect(ledger.balance('maker', 'KRW')).toEqual({ available: 0n, locked: krw('15020000') });
    expect(ledger.hold(orderId)?.locked).toBe(krw('15020000'));
    exchange.cancel('BTC-KRW', orderId);
    expect(ledger.balance('maker', 'KRW')).toEqual({ available: krw('15020000'), locked: 0n });
    expect(ledger.balance('maker', 'BTC')).toEqual({ available: btc('0.2'), locked: 0n });
    expect(ledger.openHolds).toBe(0);
  });

  test.each([
    ['an IOC remainder', 'IOC'],
    ['a FOK that cannot fill', 'FOK'],
    ['a post-only that would cross', 'POST_ONLY'],
  ] as const)('%s releases its whole lock', (_name, tif) => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'bob', 'KRW', '100000000'));
    exchange.place('alice', 'BTC-KRW', limit('Sell', 50_000_000, 0.1));
    const { events } = exchange.place('bob', 'BTC-KRW', limit('Buy', 50_000_000, 0.5, tif));
    expect(events.some((e) => e.kind === 'cancelled' || e.kind === 'rejected')).toBe(true);
    const paid = tif === 'IOC' ? krw('5005000') : 0n; // IOC fills 0.1 BTC: 5,000,000 + 5,000 taker fee
    expect(ledger.balance('bob', 'KRW')).toEqual({ available: krw('100000000') - paid, locked: 0n });
    expect(ledger.hold(events[0].kind === 'accepted' ? events[0].order_id : 'none')).toBeUndefined();
  });

  test('a Market Buy by quantity pays what it bought and gets the rest of its worst-case lock back at once', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'bob', 'KRW', '2002000'));
    exchange.place('alice', 'BTC-KRW', limit('Sell', 50_000_000, 0.0001));
    const { answer } = exchange.place('bob', 'BTC-KRW', { side: 'Buy', type: 'Market', tif: 'IOC', price_ticks: null, qty_lots: 2 });
    expect(answer).toMatchObject({ ok: true, amount: krw('2002000') }); // 2 lots at 10^10 KRW + fees
    // bought 0.0001 at 50,000,000: 5,000 + 5 taker fee; the second lot found no seller
    expect(ledger.balance('bob', 'KRW')).toEqual({ available: krw('2002000') - krw('5005'), locked: 0n });
    expect(ledger.balance('bob', 'BTC')).toEqual({ available: btc('0.0001'), locked: 0n });
  });

  test('cross-shard: each shard settles the leg of its own account from the same events, and no other', () => {
    const shards = [0, 1].map((i) => new Ledger(config, { owns: (a) => accountShard(a, 2) === i }));
    const accounts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const [one, other] = [accounts.find((a) => accountShard(a, 2) === 0)!, accounts.find((a) => accountShard(a, 2) === 1)!];
    const of = (a: string) => shards[accountShard(a, 2)];
    const exchange = new Exchange(of, shards);
    of(one).transfer(deposit('d1', one, 'BTC', '1'));
    of(other).transfer(deposit('d2', other, 'KRW', '30000000'));
    exchange.place(one, 'BTC-KRW', limit('Sell', 50_000_000, 0.5));
    exchange.place(other, 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    expect(shards[0].balance(one, 'KRW').available).toBe(krw('24987500'));
    expect(shards[1].balance(other, 'BTC').available).toBe(btc('0.5'));
    expect(shards[0].accounts()).toEqual([one]);
    expect(shards[1].accounts()).toEqual([other]);
    expect(() => shards[1].transfer(deposit('d3', one, 'KRW', '1'))).toThrow(LedgerInvariantError);
  });

  test("the engine's trades name the accounts the ledger holds the orders for", () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'seller', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'buyer', 'KRW', '30000000'));
    exchange.place('seller', 'BTC-KRW', limit('Sell', 49_000_000, 0.5));
    const placed = exchange.place('buyer', 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    // The engine's runner names both accounts on the trade events it commits.
    const events = placed.events.map((e) => (e.kind === 'trade' ? { ...e, taker_account_id: 'buyer', maker_account_id: 'seller' } : e));
    const other = new Ledger(config);
    other.transfer(deposit('d', 'mallory', 'KRW', '30000000'));
    other.lock(lockCmd({ order_id: events[0].kind === 'accepted' ? events[0].order_id : '', account_id: 'mallory' }));
    expect(() => other.applyEvents('BTC-KRW', events)).toThrow('is held for mallory but trades for buyer');
  });

  test('a trade costing more than the order holds is a broken invariant, not a negative balance', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '1000'));
    ledger.lock(lockCmd({ price_ticks: 1, qty_lots: 1 })); // 0.1 KRW + fee
    const trade = { v: 1 as const, seq: 1, ts: 0, kind: 'trade' as const, trade_id: 'BTC-KRW-1', taker_order_id: 'x1', maker_order_id: 'm', taker_side: 'Buy' as const, price_ticks: 2, qty_lots: 1, taker_fee: 1, maker_fee: 1, taker_remaining_lots: 0, maker_remaining_lots: 0 };
    expect(() => ledger.applyEvent('BTC-KRW', trade)).toThrow(LedgerInvariantError);
  });
});

describe('changes and restore (what the Redis stage commits and reloads)', () => {
  test('a refused input records no change; a granted lock records the balance and the hold', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '100'));
    ledger.takeChanges();
    expect(ledger.lock(lockCmd({}))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(ledger.transfer(withdrawal('w', 'alice', 'KRW', '101'))).toMatchObject({ ok: false });
    expect(ledger.transfer(deposit('x', 'alice', 'KRW', '-1'))).toMatchObject({ ok: false });
    expect(ledger.takeChanges()).toEqual({ balances: [], holds: [], endedHolds: [], transfers: [], fees: [], positions: [], settled: [] });
    expect(ledger.accounts()).toEqual(['alice']);
    const granted = ledger.lock(lockCmd({ price_ticks: 1, qty_lots: 1 }));
    const changes = ledger.takeChanges();
    expect(changes.balances).toEqual([{ account_id: 'alice', asset: 'KRW', available: krw('100') - (granted.ok ? granted.amount : 0n), locked: granted.ok ? granted.amount : 0n }]);
    expect(changes.holds.map((h) => h.order_id)).toEqual(['x1']);
  });

  test('a replayed event records no change; a filled order records its hold as ended', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'seller', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'buyer', 'KRW', '30000000'));
    const s = exchange.place('seller', 'BTC-KRW', limit('Sell', 49_000_000, 0.5));
    ledger.takeChanges();
    const b = exchange.place('buyer', 'BTC-KRW', limit('Buy', 50_000_000, 0.5));
    const changes = ledger.takeChanges();
    expect(changes.endedHolds.sort()).toEqual([s.orderId, b.orderId].sort());
    expect(changes.fees).toEqual([{ asset: 'KRW', total: krw('36750') }]);
    expect(changes.positions).toEqual([{ symbol: 'BTC-KRW', seq: b.events[b.events.length - 1].seq }]);
    // Both legs are this ledger's: each is named once, so a store can count every settlement.
    const trade = b.events.find((e): e is TradeEvent => e.kind === 'trade')!;
    expect(changes.settled).toEqual([settledLeg(trade.trade_id, 'Buy'), settledLeg(trade.trade_id, 'Sell')]);
    ledger.applyEvents('BTC-KRW', b.events);
    expect(ledger.takeChanges()).toEqual({ balances: [], holds: [], endedHolds: [], transfers: [], fees: [], positions: [], settled: [] });
  });

  test('restore refuses a state whose locked balance is not what its holds lock', () => {
    const { ledger } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '30000000'));
    ledger.lock(lockCmd({}));
    const state = ledger.state();
    expect(Ledger.restore(config, state).balance('alice', 'KRW')).toEqual(ledger.balance('alice', 'KRW'));
    const broken = { ...state, holds: state.holds.map((h) => ({ ...h, locked: h.locked - 1n })) };
    expect(() => Ledger.restore(config, broken)).toThrow('locked 2502500000 is not what its holds lock');
  });
});

describe('amends lock before they reach the book', () => {
  function resting() {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d', 'alice', 'KRW', '30000000'));
    const { orderId } = exchange.place('alice', 'BTC-KRW', limit('Buy', 50_000_000, 0.5)); // locks 25,025,000
    return { ledger, exchange, orderId };
  }
  const amend = (orderId: string, over: { price_ticks?: number; qty_lots?: number }, account = 'alice') => ({ v: 1 as const, kind: 'amend_lock' as const, order_id: orderId, account_id: account, ...over });

  test('a larger quantity locks the difference; one the account cannot fund is INSUFFICIENT_FUNDS and changes nothing', () => {
    const { ledger, orderId } = resting();
    // 0.6 BTC at 50,000,000 needs 30,030,000: 5,005,000 more, available is 4,975,000
    expect(ledger.amendLock(amend(orderId, { qty_lots: 6000 }))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('4975000'), locked: krw('25025000') });
    expect(ledger.amendLock(amend(orderId, { qty_lots: 5900 }))).toEqual({ ok: true, order_id: orderId, asset: 'KRW', amount: krw('4504500') });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('470500'), locked: krw('29529500') });
  });

  test('a smaller quantity or a lower price locks nothing more; the surplus returns when the order ends', () => {
    const { ledger, exchange, orderId } = resting();
    expect(ledger.amendLock(amend(orderId, { qty_lots: 1000, price_ticks: 40_000 }))).toMatchObject({ ok: true, amount: 0n });
    exchange.cancel('BTC-KRW', orderId);
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('30000000'), locked: 0n });
  });

  test('after a lower price, raising the quantity still locks for the higher price (the lower one may never have applied)', () => {
    const { ledger, orderId } = resting();
    ledger.amendLock(amend(orderId, { price_ticks: 10_000 }));
    // 0.55 BTC at the original 50,000,000: 27,527,500, so 2,502,500 more
    expect(ledger.amendLock(amend(orderId, { qty_lots: 5500 }))).toMatchObject({ ok: true, amount: krw('2502500') });
  });

  test.each<[string, { price_ticks?: number; qty_lots?: number }, string, string]>([
    ['an unknown order', { qty_lots: 1 }, 'ORDER_NOT_FOUND', 'nobody'],
    ["another account's order", { qty_lots: 1 }, 'ORDER_NOT_FOUND', 'bob'],
    ['nothing to change', {}, 'INVALID_REQUEST', 'alice'],
    ['a price above max_price', { price_ticks: 10_000_001 }, 'INVALID_PRICE', 'alice'],
    ['a quantity above max_quantity', { qty_lots: 1_000_001 }, 'INVALID_QUANTITY', 'alice'],
  ])('%s is refused (%s) and changes nothing', (_name, over, code, who) => {
    const { ledger, orderId } = resting();
    const before = ledger.hold(orderId)!.locked;
    const id = who === 'nobody' ? 'ghost' : orderId;
    expect(ledger.amendLock(amend(id, over, who === 'bob' ? 'bob' : 'alice'))).toMatchObject({ ok: false, code });
    expect(ledger.hold(orderId)!.locked).toBe(before);
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('4975000'), locked: krw('25025000') });
  });
});

describe('budgets: Market Buys by quote amount, and by quantity with less than their worst case', () => {
  const BTCKRW = config.markets.find((m) => m.symbol === 'BTC-KRW')!;
  // One lot (0.0001 BTC) at 50,000,000 KRW costs 5,000 KRW + 5 KRW taker fee (0.1%); the maker pays 2.5.
  test('a Market Buy by quantity with less than its worst case available locks what is available and spends no more', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'bob', 'KRW', '10000'));
    exchange.place('alice', 'BTC-KRW', limit('Sell', 50_000_000, 0.0005));
    const { answer, events } = exchange.place('bob', 'BTC-KRW', { side: 'Buy', type: 'Market', tif: 'IOC', price_ticks: null, qty_lots: 5 });
    expect(answer).toMatchObject({ ok: true, amount: krw('10000'), spend_limit: '10000' });
    // 1 lot costs 5,005; 2 lots 10,010 > 10,000: one lot, the rest cancelled for the budget.
    expect(events.filter((e) => e.kind === 'trade').map((e) => e.kind === 'trade' && e.qty_lots)).toEqual([1]);
    expect(events.find((e) => e.kind === 'cancelled')).toMatchObject({ reason: 'budget_spent', remaining_lots: 4 });
    expect(ledger.balance('bob', 'KRW')).toEqual({ available: krw('4995'), locked: 0n });
    expect(ledger.balance('bob', 'BTC')).toEqual({ available: btc('0.0001'), locked: 0n });
  });

  test('with nothing available a Market Buy by quantity is refused and locks nothing', () => {
    const { ledger } = fresh();
    expect(ledger.lock(lockCmd({ type: 'Market', price_ticks: null, qty_lots: 1 }))).toMatchObject({ ok: false, code: 'INSUFFICIENT_FUNDS' });
    expect(ledger.openHolds).toBe(0);
  });

  test('a Market Buy by quote amount spends at most that, fee included, and gets the rest back', () => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'bob', 'KRW', '20000'));
    exchange.place('alice', 'BTC-KRW', limit('Sell', 50_000_000, 0.0005));
    const { answer, events } = exchange.place('bob', 'BTC-KRW', { side: 'Buy', type: 'Market', tif: 'IOC', price_ticks: null, qty_lots: BTCKRW.maxLots, quote_quantity: '12000' });
    expect(answer).toEqual({ ok: true, order_id: expect.any(String), asset: 'KRW', amount: krw('12000'), spend_limit: '12000' });
    expect(events.filter((e) => e.kind === 'trade').map((e) => e.kind === 'trade' && e.qty_lots)).toEqual([2]);
    expect(ledger.balance('bob', 'KRW')).toEqual({ available: krw('9990'), locked: 0n });
    expect(ledger.balance('bob', 'BTC')).toEqual({ available: btc('0.0002'), locked: 0n });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('9995'), locked: 0n });
  });
});

describe('self-trade prevention releases what an expired order locked', () => {
  test.each([
    ['EXPIRE_MAKER (default)', undefined, { sellerBtcLocked: 0n, buyerKrwLocked: krw('5005000') }],
    ['EXPIRE_TAKER', 'EXPIRE_TAKER', { sellerBtcLocked: btc('0.1'), buyerKrwLocked: 0n }],
    ['EXPIRE_BOTH', 'EXPIRE_BOTH', { sellerBtcLocked: 0n, buyerKrwLocked: 0n }],
  ] as const)('%s: the expired orders hold nothing and no money moved', (_name, stp, want) => {
    const { ledger, exchange } = fresh();
    ledger.transfer(deposit('d1', 'alice', 'BTC', '1'));
    ledger.transfer(deposit('d2', 'alice', 'KRW', '10000000'));
    exchange.place('alice', 'BTC-KRW', limit('Sell', 50_000_000, 0.1));
    const { events } = exchange.place('alice', 'BTC-KRW', { ...limit('Buy', 50_000_000, 0.1), ...(stp === undefined ? {} : { self_trade_prevention: stp }) });
    expect(events.some((e) => e.kind === 'trade')).toBe(false);
    expect(events.filter((e) => e.kind === 'cancelled').every((e) => e.kind === 'cancelled' && e.reason === 'SELF_TRADE_PREVENTION')).toBe(true);
    // What still rests still holds its lock (a buy of 0.1 at 50,000,000 locks 5,000,000 + 5,000 fee).
    expect(ledger.balance('alice', 'BTC')).toEqual({ available: btc('1') - want.sellerBtcLocked, locked: want.sellerBtcLocked });
    expect(ledger.balance('alice', 'KRW')).toEqual({ available: krw('10000000') - want.buyerKrwLocked, locked: want.buyerKrwLocked });
    expect(ledger.fees().size).toBe(0);
  });
});
