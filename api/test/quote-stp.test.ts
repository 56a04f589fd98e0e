/**
 * Market Buys by quote amount (`quote_quantity`: spend at most this, fee included) and
 * self-trade prevention (`self_trade_prevention`) through REST, on a real stack: what the order
 * answers, and every bad input answered 400 with nothing appended.
 */
import { OrderView } from '@xtrader/protocol';
import { commandLengths, limit, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
let base: string;
let other: Account;
beforeAll(async () => {
  stack = await startStack();
  base = `${stack.api.url}/api/v1`;
  other = await newAccount(stack.api.url);
});
afterAll(async () => {
  await stack?.stop();
});

/** An ETH-KRW limit order body (tick 100, lot 0.001): the self-trade tests keep off the BTC-KRW book. */
const eth = (side: 'Buy' | 'Sell', price: number, quantity: string, extra: object = {}) => ({ symbol: 'ETH-KRW', side, type: 'Limit', price, quantity, ...extra });
const place = (account: Pick<Account, 'apiKey' | 'apiSecret'>, body: object) => signedHttp(account, 'POST', `${base}/order?wait=true`, body);

describe('a Market Buy by quote_quantity', () => {
  test('buys what its budget pays for, fee included, and reports what it spent', async () => {
    // Asks of another account: 0.0003 BTC at 50,000,000 and 0.0005 at 51,000,000 KRW.
    for (const [price, qty] of [
      [50_000_000, '0.0003'],
      [51_000_000, '0.0005'],
    ] as const) {
      expect((await place(other, limit('Sell', price, qty))).body.status).toBe('NEW');
    }
    // 3 lots at 50,000,000 cost 15,000 + 15 fee; of the 4,985 left, no lot at 51,000,000 (5,100 + 6) fits.
    const res = await place(stack.account, { symbol: 'BTC-KRW', side: 'Buy', type: 'Market', quote_quantity: '20000' });
    expect(res.status).toBe(200);
    expect(OrderView.parse(res.body)).toMatchObject({
      status: 'CANCELLED',
      cancel_reason: 'budget_spent',
      quote_quantity: 20000,
      cumulative_quote_quantity: 15000,
      quantity: 0.0003,
      filled_quantity: 0.0003,
      remaining_quantity: 0,
      average_price: 50_000_000,
      time_in_force: 'IOC',
    });
    expect(res.body.fills).toEqual([expect.objectContaining({ price: 50_000_000, quantity: 0.0003, fee: 15 })]);
    const read = await signedHttp(stack.account, 'GET', `${base}/order/${res.body.order_id}`);
    expect(read.body).toEqual(res.body);
  });

  test.each([
    ['both quantity and quote_quantity', { quantity: 1, quote_quantity: '1000' }, 'INVALID_REQUEST', /not both/],
    ['neither', {}, 'INVALID_QUANTITY', /quantity or quote_quantity/],
    ['finer than the KRW unit (0.01)', { quote_quantity: '1000.001' }, 'INVALID_QUANTITY', /finer than the KRW unit/],
    ['zero', { quote_quantity: '0' }, 'INVALID_QUANTITY', /greater than zero/],
    ['negative', { quote_quantity: -5 }, 'INVALID_QUANTITY', /greater than zero/],
    ['not a decimal', { quote_quantity: 'lots' }, 'INVALID_QUANTITY', /plain decimal/],
    ['fill-or-kill', { quote_quantity: '1000', time_in_force: 'FOK' }, 'INVALID_TIME_IN_FORCE', /IOC/],
    ['on a Market Sell', { side: 'Sell', quote_quantity: '1000' }, 'INVALID_REQUEST', /Market Buy orders only/],
    ['on a Limit Buy', { type: 'Limit', price: 50_000_000, quote_quantity: '1000' }, 'INVALID_REQUEST', /Market Buy orders only/],
    ['an unknown self_trade_prevention', { quote_quantity: '1000', self_trade_prevention: 'EXPIRE_NEITHER' }, 'INVALID_REQUEST', /EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH, NONE/],
  ])('%s: answered 400 with its code, nothing appended', async (_name, fields, code, message) => {
    const before = await commandLengths(stack);
    const res = await place(stack.account, { symbol: 'BTC-KRW', side: 'Buy', type: 'Market', ...fields });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: code, message: expect.stringMatching(message) });
    expect(await commandLengths(stack)).toEqual(before);
  });
});

describe('self-trade prevention', () => {
  test('by default (EXPIRE_MAKER) an own resting order the taker meets is cancelled SELF_TRADE_PREVENTION; the taker trades on', async () => {
    const own = await place(stack.account, eth('Sell', 3_000_000, '0.002'));
    const foreign = await place(other, eth('Sell', 3_000_000, '0.001'));
    const taker = await place(stack.account, eth('Buy', 3_000_000, '0.003'));
    expect(taker.body).toMatchObject({ status: 'PARTIALLY_FILLED', filled_quantity: 0.001, remaining_quantity: 0.002 });
    expect(taker.body.fills).toEqual([expect.objectContaining({ counter_order_id: foreign.body.order_id })]);
    const maker = await signedHttp(stack.account, 'GET', `${base}/order/${own.body.order_id}`);
    expect(maker.body).toMatchObject({ status: 'CANCELLED', cancel_reason: 'SELF_TRADE_PREVENTION', filled_quantity: 0 });
    await signedHttp(stack.account, 'POST', `${base}/order/cancel`, { order_id: taker.body.order_id });
  });

  test('EXPIRE_TAKER ends the taker at its own order, which stays on the book; NONE trades with it', async () => {
    const own = await place(stack.account, eth('Sell', 3_100_000, '0.002'));
    const taker = await place(stack.account, eth('Buy', 3_100_000, '0.002', { self_trade_prevention: 'EXPIRE_TAKER' }));
    expect(taker.body).toMatchObject({ status: 'CANCELLED', cancel_reason: 'SELF_TRADE_PREVENTION', filled_quantity: 0 });
    expect((await signedHttp(stack.account, 'GET', `${base}/order/${own.body.order_id}`)).body.status).toBe('NEW');
    const none = await place(stack.account, eth('Buy', 3_100_000, '0.002', { self_trade_prevention: 'NONE' }));
    expect(none.body).toMatchObject({ status: 'FILLED', filled_quantity: 0.002 });
    expect(none.body.fills).toEqual([expect.objectContaining({ counter_order_id: own.body.order_id })]);
  });
});
