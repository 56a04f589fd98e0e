import { candleTopic, channelOfTopic, channelTopic, compareStreamIds, entryField, FIELDS, Heartbeat, streamIdTime, symbolKeys, symbolOfTopic, topicOf } from '../src';

test('per-symbol keys share the symbol hash tag (one Redis Cluster slot)', () => {
  const keys = symbolKeys('BTC-KRW', 'p');
  const names = [keys.commands, keys.events, keys.feed, keys.lease, keys.leaseGuard, keys.fence, keys.position, keys.snapshot, keys.order('o1'), keys.clientOrder('a1', 'c1'), keys.accountOpen('a1'), keys.accountOrders('a1'), keys.accountTrades('a1'), keys.outcomes, keys.trades, keys.candles('5m'), keys.stats, keys.depth, keys.heartbeat];
  for (const name of names) expect(name.startsWith('p:{BTC-KRW}:')).toBe(true);
  expect(new Set(names).size).toBe(names.length);
});

test('stream ids order by milliseconds, then sequence, exactly even past 2^53', () => {
  const ordered = ['0-0', '0-1', '5', '5-1', '999-9', '1000-0', '1700000000000-0', '1700000000000-10', '9007199254740993-0', '9007199254740993-9007199254740993', '9007199254740993-9007199254740994'];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) expect([ordered[i], ordered[j], compareStreamIds(ordered[i], ordered[j])]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
  }
  expect(compareStreamIds('5', '5-0')).toBe(0);
  expect(streamIdTime('1700000000123-7')).toBe(1_700_000_000_123);
  expect(streamIdTime('42')).toBe(42);
});

test('topics name their channel and symbol, whichever way they are built', () => {
  const exec = { type: 'Execution', exec_id: 'e', order_id: 'o', symbol: 'ETH-KRW', side: 'Buy', price: 1, quantity: 1, fee: 0 } as const;
  expect(topicOf(exec)).toBe(channelTopic('executions', 'ETH-KRW'));
  for (const topic of [channelTopic('orderbook', 'A_B-1'), candleTopic('A_B-1', '1h')]) expect(symbolOfTopic(topic)).toBe('A_B-1');
  expect(channelOfTopic(candleTopic('X', '1m'))).toBe('candles');
});

test('entry fields are found by name', () => {
  expect(entryField([FIELDS.first, '1-0', FIELDS.events, '[]'], FIELDS.events)).toBe('[]');
  expect(entryField([FIELDS.command], FIELDS.command)).toBeUndefined();
});

test('the heartbeat record parses what the engine writes', () => {
  expect(Heartbeat.parse(JSON.parse(JSON.stringify({ engine_id: 'e1', fence: 3, position: '1-0', ts: 5 })))).toEqual({ engine_id: 'e1', fence: 3, position: '1-0', ts: 5 });
  expect(Heartbeat.safeParse({ ts: 5 }).success).toBe(false);
});
