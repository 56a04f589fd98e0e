import { accountShard, balanceField, decodeBalance, encodeBalance, encodeEvent, eventsOfEntry, LedgerRequest, type EngineEvent } from '../src';

describe('ledger contract', () => {
  test('an account always maps to the same shard, within the shard count', () => {
    expect(accountShard('acct-1', 4)).toBe(accountShard('acct-1', 4));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[accountShard(`3f2a${i}-account`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800); // spread, not all on one shard
    expect(accountShard('anything', 1)).toBe(0);
    expect(() => accountShard('a', 0)).toThrow('positive integer');
  });

  test('a stored balance round-trips, whatever the account id holds', () => {
    const field = balanceField('user:with:colons', 'KRW');
    expect(decodeBalance(field, encodeBalance(12_345_678_901_234_567_890n, 5n))).toEqual({ account_id: 'user:with:colons', asset: 'KRW', available: 12_345_678_901_234_567_890n, locked: 5n });
    expect(() => decodeBalance(field, 'garbage')).toThrow('bad stored balance');
  });

  test("an events entry gives back the engine's events in order", () => {
    const events: EngineEvent[] = [
      { v: 1, seq: 1, ts: 5, kind: 'accepted', order_id: 'o1', side: 'Buy', type: 'Limit', tif: 'GTC', price_ticks: 10, qty_lots: 2 },
      { v: 1, seq: 2, ts: 5, kind: 'rested', order_id: 'o1', side: 'Buy', price_ticks: 10, remaining_lots: 2 },
      { v: 1, seq: 3, ts: 6, kind: 'cancelled', order_id: 'o1', remaining_lots: 2, reason: 'user', request_id: 'r' },
    ];
    const json = JSON.stringify([['1-0', ...events.slice(0, 2).map(encodeEvent)], ['2-0', encodeEvent(events[2])]]);
    expect(eventsOfEntry(json)).toEqual(events);
  });

  test('a ledger request is a transfer or a lock, nothing else', () => {
    expect(LedgerRequest.safeParse({ kind: 'transfer', request_id: 'r', transfer: { v: 1, kind: 'deposit', tx_id: 't', account_id: 'a', asset: 'KRW', amount: '1' } }).success).toBe(true);
    expect(LedgerRequest.safeParse({ kind: 'withdraw_everything', request_id: 'r' }).success).toBe(false);
  });
});
