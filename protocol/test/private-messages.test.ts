import { accountOfRoom, accountRoom, Auth, ClientMessage, OrderUpdate, PrivateMessage, privateChannelOf, ServerMessage } from '../src';

const order = {
  order_id: 'o-1',
  symbol: 'BTC-KRW',
  side: 'Buy',
  type: 'Limit',
  time_in_force: 'GTC',
  price: 50_000_000,
  quantity: 1,
  filled_quantity: 0.4,
  remaining_quantity: 0.6,
  average_price: 50_000_000,
  status: 'PARTIALLY_FILLED',
  created_at: 1,
  updated_at: 2,
  sequence: 7,
};

describe('private channel messages', () => {
  it('accepts Auth with a session token or with a signed API key (timestamp as a number or digits), and nothing else', () => {
    expect(ClientMessage.safeParse({ type: 'Auth', token: 'abc' }).success).toBe(true);
    expect(Auth.safeParse({ type: 'Auth', api_key: 'k', timestamp: 1_700_000_000_000, signature: 'ab' }).success).toBe(true);
    expect(Auth.safeParse({ type: 'Auth', api_key: 'k', timestamp: '1700000000000', signature: 'ab', recv_window: 10_000 }).success).toBe(true);
    expect(Auth.safeParse({ type: 'Auth', api_key: 'k', timestamp: '17e11', signature: 'ab' }).success).toBe(false);
    expect(Auth.safeParse({ type: 'Auth', api_key: 'k', signature: 'ab' }).success).toBe(false);
    expect(Auth.safeParse({ type: 'Auth', token: 'abc', api_key: 'k' }).success).toBe(false);
    expect(Auth.safeParse({ type: 'Auth', token: '' }).success).toBe(false);
  });

  it('carries an order without its fills, and every private message an account_sequence of at least 1', () => {
    expect(OrderUpdate.safeParse({ type: 'OrderUpdate', order, account_sequence: 3 }).success).toBe(true);
    expect(OrderUpdate.parse({ type: 'OrderUpdate', order: { ...order, fills: [] }, account_sequence: 3 }).order).not.toHaveProperty('fills');
    expect(PrivateMessage.safeParse({ type: 'OrderUpdate', order, account_sequence: 0 }).success).toBe(false);
    expect(PrivateMessage.safeParse({ type: 'BalanceUpdate', asset: 'KRW', available: 1.5, locked: 0 }).success).toBe(false);
    const fill = { type: 'Fill', exec_id: 'BTC-KRW-9', order_id: 'o-1', symbol: 'BTC-KRW', side: 'Buy', price: 50_000_000, quantity: 0.4, fee: 10_000, fee_asset: 'KRW', liquidity: 'maker', timestamp: 2, account_sequence: 4 };
    expect(ServerMessage.safeParse(fill).success).toBe(true);
    expect(ServerMessage.safeParse({ type: 'AuthSuccess', account_id: 'a-1' }).success).toBe(true);
  });

  it('names each message’s channel and each account’s room', () => {
    expect(privateChannelOf('OrderUpdate')).toBe('orders');
    expect(privateChannelOf('Fill')).toBe('fills');
    expect(privateChannelOf('BalanceUpdate')).toBe('balances');
    expect(accountRoom('a-1')).toBe('account:a-1');
    expect(accountOfRoom(accountRoom('a-1'))).toBe('a-1');
    expect(accountOfRoom('orderbook:BTC-KRW')).toBeUndefined();
  });
});
