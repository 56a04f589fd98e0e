import type Redis from 'ioredis';
import WebSocket from 'ws';
import { RedisServer, waitFor } from '@xtrader/platform';
import { candleTopic, FIELDS, symbolKeys } from '@xtrader/protocol';
import { startRealtime, type RealtimeNode } from '../src';
import { NodeProcess, SioClient, WsClient, book, execution, produce, randomPrefix, subscribe } from './support';

/**
 * Two realtime nodes as real processes on one Redis; clients of both transports on both nodes.
 * Market messages enter the way the engine writes them: XADD to the symbols' feed streams.
 */
const prefix = randomPrefix();
let redisServer: RedisServer;
let redis: Redis;
let nodeA: NodeProcess;
let nodeB: NodeProcess;
const clients: { close(): void }[] = [];
const QUEUE_LIMIT = 20;

beforeAll(async () => {
  redisServer = await RedisServer.launch();
  redis = redisServer.client();
  const env = {
    REDIS_URL: redisServer.url,
    XT_PREFIX: prefix,
    XT_CLIENT_QUEUE_LIMIT: String(QUEUE_LIMIT),
  };
  [nodeA, nodeB] = await Promise.all([NodeProcess.start(env), NodeProcess.start(env)]);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([nodeA?.stop(), nodeB?.stop()]);
  redis?.disconnect();
  await redisServer?.destroy();
});

async function ws(node: NodeProcess, name: string, opts?: { silent?: boolean }) {
  const c = await WsClient.connect(node.url, name, opts);
  clients.push(c);
  return c;
}
async function sio(node: NodeProcess, name: string) {
  const c = await SioClient.connect(node.url, name);
  clients.push(c);
  return c;
}

const market = (m: { type: string }) => ['Execution', 'OrderBookUpdate', 'MarketStatistics', 'CandlestickUpdate'].includes(m.type);

test('clients on different nodes and transports get the same messages in the same order', async () => {
  const all = [await ws(nodeA, 'A1'), await sio(nodeA, 'A2'), await ws(nodeB, 'B1'), await sio(nodeB, 'B2')];
  for (const c of all) {
    const ok = await subscribe(c, { channels: ['executions', 'orderbook'], symbols: ['BTC-KRW'] });
    expect(ok).toMatchObject({ type: 'SubscribeSuccess', channels: ['executions', 'orderbook'], symbols: ['BTC-KRW'] });
  }
  // Everyone first gets the current (empty) book, before any live message.
  for (const c of all) await c.next((m) => m.type === 'OrderBookUpdate');

  const burst = [];
  for (let seq = 1; seq <= 60; seq++) burst.push(seq % 3 === 0 ? book('BTC-KRW', seq, seq - 3, 49_000_000 + seq) : execution('BTC-KRW', seq, seq - 1));
  await produce(redis, prefix, burst);
  for (const c of all) await c.until('the last message', () => c.messages.some((m) => m.sequence === 60));

  const seen = all.map((c) => c.messages.filter(market).map((m) => `${m.type}#${m.sequence}`));
  expect(seen[0]).toEqual(['OrderBookUpdate#0', ...burst.map((m) => `${m.type}#${m.sequence}`)]);
  for (const other of seen.slice(1)) expect(other).toEqual(seen[0]);
});

test("the Redis adapter shares rooms across nodes: a third node sees every node's subscribers", async () => {
  const topic = 'statistics:AAPL';
  const a = await sio(nodeA, 'room-a');
  const b = await sio(nodeB, 'room-b');
  await subscribe(a, { channels: ['statistics'], symbols: ['AAPL'] });
  await subscribe(b, { channels: ['statistics'], symbols: ['AAPL'] });
  const observer: RealtimeNode = await startRealtime({ port: 0, host: '127.0.0.1', redisUrl: redisServer.url, prefix, symbols: ['AAPL'], logLevel: 'silent' });
  try {
    const expected = [a.socket.id, b.socket.id].sort();
    // The new node's adapter subscribes asynchronously; until it has, answers can miss it (no
    // event says when it is done, so ask again within a deadline).
    const ids = await waitFor('the new node to see both sockets', async () => {
      const ids = (await observer.io.in(topic).fetchSockets()).map((s) => s.id).sort();
      return ids.length >= expected.length ? ids : undefined;
    }, { timeoutMs: 10_000 });
    expect(ids).toEqual(expected);
  } finally {
    await observer.close();
  }
});

test('a new subscriber gets the current state of every topic first, then only newer live messages', async () => {
  const keys = symbolKeys('ETH-KRW', prefix);
  const now = Date.now();
  const openTime = now - (now % 300_000);
  const candle = { open_time: openTime, close_time: openTime + 299_999, open: 3_000_000, high: 3_100_000, low: 2_900_000, close: 3_050_000, volume: 2, trade_count: 3 };
  // What the engine's commit leaves: state keys and the feed, in one MULTI.
  await redis
    .multi()
    .set(keys.depth, JSON.stringify({ symbol: 'ETH-KRW', bids: [[3_000_000, 1.5]], asks: [[3_100_000, 2]], timestamp: now, sequence: 41 }))
    .set(keys.stats, JSON.stringify({ type: 'MarketStatistics', symbol: 'ETH-KRW', timestamp: now, last_price: 3_050_000, price_change_24h: 1.5, volume_24h: 2, high_24h: 3_100_000, low_24h: 2_900_000, high_price_24h: 3_100_000, low_price_24h: 2_900_000, sequence: 42 }))
    .zadd(keys.candles('5m'), openTime, JSON.stringify(candle))
    .xadd(keys.feed, '*', FIELDS.message, JSON.stringify({ type: 'CandlestickUpdate', symbol: 'ETH-KRW', interval: '5m', candle: { ...candle, timestamp: openTime }, is_closed: false, sequence: 42, prev_sequence: 30 }))
    .exec();

  const c = await ws(nodeB, 'state');
  const s = await sio(nodeA, 'state');
  for (const client of [c, s]) {
    await subscribe(client, { channels: ['orderbook', 'statistics', 'candles'], symbols: ['ETH-KRW'] });
    await client.until('three state messages', () => client.messages.filter(market).length >= 3);
    const state = client.messages.filter(market);
    expect(state.find((m) => m.type === 'OrderBookUpdate')).toMatchObject({ bids: [[3_000_000, 1.5]], asks: [[3_100_000, 2]], sequence: 41, prev_sequence: 0 });
    expect(state.find((m) => m.type === 'MarketStatistics')).toMatchObject({ last_price: 3_050_000, sequence: 42, prev_sequence: 0 });
    expect(state.find((m) => m.type === 'CandlestickUpdate')).toMatchObject({ interval: '5m', candle: { open_time: openTime, close: 3_050_000 }, sequence: 42, prev_sequence: 0 });
  }

  await produce(redis, prefix, [book('ETH-KRW', 43, 41, 3_010_000)]);
  for (const client of [c, s]) {
    const live = await client.next((m) => m.type === 'OrderBookUpdate' && m.sequence === 43);
    // prev_sequence links to the state's sequence: no gap.
    expect(live.prev_sequence).toBe(41);
  }
});

test('unsubscribe stops delivery of that topic and nothing else', async () => {
  const clientsHere = [await ws(nodeA, 'unsub'), await sio(nodeB, 'unsub')];
  for (const c of clientsHere) await subscribe(c, { channels: ['executions'], symbols: ['BTC-KRW', 'ETH-KRW'] });
  await produce(redis, prefix, [execution('BTC-KRW', 1001, 1000)]);
  for (const c of clientsHere) await c.next((m) => m.sequence === 1001);

  for (const c of clientsHere) {
    const from = c.messages.length;
    c.send({ type: 'Unsubscribe', channels: ['executions'], symbols: ['BTC-KRW'] });
    expect(await c.next((m) => m.type === 'UnsubscribeSuccess', from)).toMatchObject({ channels: ['executions'], symbols: ['BTC-KRW'] });
  }
  // BTC-KRW after the unsubscribe must not arrive; ETH-KRW (still subscribed), sent after it, must.
  await produce(redis, prefix, [execution('BTC-KRW', 1002, 1001), execution('ETH-KRW', 1003, 0)]);
  for (const c of clientsHere) {
    await c.next((m) => m.sequence === 1003);
    expect(c.messages.some((m) => m.sequence === 1002)).toBe(false);
  }
});

test('"all" subscribes every channel of every symbol, with the default 5m candles', async () => {
  const c = await ws(nodeB, 'all');
  const s = await sio(nodeA, 'all');
  for (const client of [c, s]) {
    const ok = await subscribe(client, { channels: 'all', symbols: ['all'] });
    expect(ok).toMatchObject({ channels: ['executions', 'orderbook', 'statistics', 'candles'], symbols: ['BTC-KRW', 'ETH-KRW', 'AAPL'], intervals: ['5m'] });
    // The current book and statistics of every symbol come first.
    await client.until('state of 3 symbols', () => client.of('OrderBookUpdate').length >= 3 && client.of('MarketStatistics').length >= 3);
  }
  const now = Date.now();
  const candle = (interval: string) => ({ type: 'CandlestickUpdate', symbol: 'AAPL', interval, candle: { open_time: now, close_time: now + 1, open: 1, high: 1, low: 1, close: 1, volume: 1, trade_count: 1 }, is_closed: false, sequence: 2001, prev_sequence: 0 });
  await produce(redis, prefix, [execution('AAPL', 2000, 0), candle('1h') as never, candle('5m') as never, execution('ETH-KRW', 2002, 1003)]);
  for (const client of [c, s]) {
    await client.until('three live messages', () => client.messages.filter((m) => Number(m.sequence) >= 2000).length >= 3);
    // Order holds per symbol (each symbol is one stream), not across symbols.
    const live = client.messages.filter((m) => Number(m.sequence) >= 2000);
    expect(live.filter((m) => m.symbol === 'AAPL').map((m) => `${m.type}:${m.interval ?? ''}`)).toEqual(['Execution:', 'CandlestickUpdate:5m']);
    expect(live.filter((m) => m.symbol === 'ETH-KRW').map((m) => m.type)).toEqual(['Execution']);
  }
  // The 1h candle is not subscribed (intervals default to 5m): a later 1h-only marker proves it never came.
  await produce(redis, prefix, [candle('1h') as never, execution('AAPL', 2003, 2000)]);
  for (const client of [c, s]) {
    await client.next((m) => m.sequence === 2003);
    expect(client.messages.some((m) => m.interval === '1h')).toBe(false);
  }
});

test('malformed frames get an Error, the connection stays open, and subscriptions do not change', async () => {
  const c = await ws(nodeA, 'malformed');
  await subscribe(c, { channels: ['executions'], symbols: ['AAPL'] });
  const cases: [string, string][] = [
    ['{not json', 'INVALID_MESSAGE'],
    [JSON.stringify({ type: 'Shout' }), 'INVALID_MESSAGE'],
    [JSON.stringify({ type: 'Subscribe', channels: 5 }), 'INVALID_MESSAGE'],
    [JSON.stringify({ type: 'Subscribe', channels: ['trades'], symbols: ['BTC-KRW'] }), 'SUBSCRIPTION_FAILED'],
    [JSON.stringify({ type: 'Subscribe', channels: ['executions'], symbols: ['XYZ-KRW'] }), 'SUBSCRIPTION_FAILED'],
    [JSON.stringify({ type: 'Subscribe', channels: ['candles'], symbols: ['BTC-KRW'], intervals: ['7m'] }), 'SUBSCRIPTION_FAILED'],
    [JSON.stringify({ type: 'Unsubscribe', channels: ['executions'], symbols: ['NOPE'] }), 'SUBSCRIPTION_FAILED'],
  ];
  for (const [frame, code] of cases) {
    const from = c.messages.length;
    c.sendRaw(frame);
    const reply = await c.next((m) => m.type === 'Error' || m.type.endsWith('Success'), from);
    expect({ frame, reply: reply.type, code: reply.code }).toEqual({ frame, reply: 'Error', code });
    expect(typeof reply.message).toBe('string');
  }
  const s = await sio(nodeB, 'malformed');
  await subscribe(s, { channels: ['executions'], symbols: ['AAPL'] });
  s.socket.emit('Subscribe', { channels: ['executions'], symbols: ['XYZ'] });
  s.socket.emit('Shout', 1);
  await s.until('two errors', () => s.of('Error').length >= 2);
  expect(s.of('Error').map((e) => e.code)).toEqual(['SUBSCRIPTION_FAILED', 'INVALID_MESSAGE']);

  // Still open, still subscribed to exactly AAPL executions (a half-applied request would add BTC-KRW).
  await produce(redis, prefix, [execution('BTC-KRW', 3000, 2999), execution('AAPL', 3001, 2000)]);
  for (const client of [c, s]) {
    await client.next((m) => m.sequence === 3001);
    expect(client.closed).toBe(false);
    expect(client.messages.some((m) => m.sequence === 3000)).toBe(false);
  }
});

test('a /ws client that never answers Ping is closed and cleaned up; one that answers stays', async () => {
  // Its own node, with a fast heartbeat (Ping every 200 ms, closed after 800 ms without Pong).
  const node = await NodeProcess.start({ REDIS_URL: redisServer.url, XT_PREFIX: prefix, XT_PING_INTERVAL_MS: '200', XT_PONG_TIMEOUT_MS: '800' });
  try {
    const silent = await WsClient.connect(node.url, 'silent', { silent: true });
    const alive = await WsClient.connect(node.url, 'alive');
    clients.push(silent, alive);
    await subscribe(silent, { channels: ['executions'], symbols: ['BTC-KRW'] });
    await silent.until('the server to close the silent client', () => silent.closed, 5_000);
    expect(silent.of('Ping').length).toBeGreaterThan(0);
    expect(silent.of('Error').map((e) => e.code)).toEqual(['HEARTBEAT_TIMEOUT']);
    // The answering client outlives the silent one: it keeps getting Pings and stays open.
    const pings = alive.of('Ping').length;
    await alive.until('two more Pings', () => alive.of('Ping').length >= pings + 2);
    expect(alive.closed).toBe(false);
    expect(await node.metric('xt_realtime_connections{transport="ws"}')).toBe(1);
    expect(await node.metric('xt_realtime_subscriptions{channel="executions"}')).toBe(0);
    expect(await node.metric('xt_realtime_dropped_clients_total{transport="ws",reason="HEARTBEAT_TIMEOUT"}')).toBe(1);
  } finally {
    await node.stop();
  }
});

test('a client that never reads is dropped past its bound and does not delay a normal client', async () => {
  const normal = await ws(nodeA, 'normal');
  await subscribe(normal, { channels: ['executions', 'orderbook'], symbols: ['AAPL'] });
  // A /ws client and a raw socket.io client that stop reading their sockets after subscribing.
  const slowWs = await ws(nodeA, 'slow');
  await subscribe(slowWs, { channels: ['executions', 'orderbook'], symbols: ['AAPL'] });
  // Speaks engine.io/socket.io by hand (answers engine pings) so it can stop reading at will.
  const slowSio = new WebSocket(`ws://127.0.0.1:${nodeA.port}/socket.io/?EIO=4&transport=websocket`);
  slowSio.on('message', (d) => d.toString() === '2' && slowSio.send('3'));
  await new Promise<void>((r) => slowSio.once('message', () => r()));
  slowSio.send('40');
  await new Promise<void>((r) => slowSio.on('message', (d) => d.toString().startsWith('40') && r()));
  slowSio.send(`42${JSON.stringify(['Subscribe', { channels: ['executions'], symbols: ['AAPL'] }])}`);
  await new Promise<void>((r) => slowSio.on('message', (d) => d.toString().includes('SubscribeSuccess') && r()));
  const tcpOf = (w: WebSocket) => (w as unknown as { _socket: import('node:net').Socket })._socket;
  tcpOf(slowWs.ws).pause();
  tcpOf(slowSio).pause();

  // Enough bytes to fill the kernel buffers of the stalled sockets several times over.
  const pad = 'x'.repeat(8 * 1024);
  const N = 1200;
  const started = Date.now();
  for (let i = 0; i < N; i += 50) {
    const batch = [];
    for (let k = i; k < i + 50; k++) batch.push(k % 10 === 9 ? book('AAPL', 5000 + k, 5000 + k - 10) : execution('AAPL', 5000 + k, 5000 + k - 1, { pad }));
    await produce(redis, prefix, batch);
  }
  await normal.until("every message", () => normal.closed || normal.messages.some((m) => m.sequence === 5000 + N - 1), 30_000);
  expect(normal.of("Error")).toEqual([]);
  const normalDone = Date.now() - started;
  expect(normal.messages.filter((m) => typeof m.sequence === 'number' && (m.sequence as number) >= 5000)).toHaveLength(N);
  expect(normal.closed).toBe(false);

  expect(await nodeA.metric('xt_realtime_dropped_clients_total{transport="ws",reason="SLOW_CONSUMER"}')).toBe(1);
  expect(await nodeA.metric('xt_realtime_dropped_clients_total{transport="socket.io",reason="SLOW_CONSUMER"}')).toBe(1);
  // Nothing is left waiting for the dropped clients.
  expect(await nodeA.metric('xt_realtime_queue_depth{stat="max"}')).toBeLessThanOrEqual(QUEUE_LIMIT);

  // Once the slow client reads again it finds the end of the stream: an Error, then the close.
  tcpOf(slowWs.ws).resume();
  await slowWs.until('the close', () => slowWs.closed, 10_000);
  expect(slowWs.messages.filter((m) => m.type === 'Execution').length).toBeLessThan(N);
  expect(normalDone).toBeLessThan(20_000);
  slowSio.terminate();
});

test('candle topics are per interval: subscribing 1h does not deliver 5m', async () => {
  const c = await sio(nodeB, 'candles');
  const ok = await subscribe(c, { channels: ['candles'], symbols: ['BTC-KRW'], intervals: ['1h'] });
  expect(ok).toMatchObject({ intervals: ['1h'] });
  const now = Date.now();
  const msg = (interval: string, sequence: number) => ({ type: 'CandlestickUpdate', symbol: 'BTC-KRW', interval, candle: { open_time: now, close_time: now + 1, open: 1, high: 1, low: 1, close: 1, volume: 1, trade_count: 1 }, is_closed: false, sequence, prev_sequence: 0 }) as never;
  await produce(redis, prefix, [msg('5m', 7000), msg('1h', 7001)]);
  await c.next((m) => m.sequence === 7001);
  expect(c.messages.some((m) => m.sequence === 7000)).toBe(false);
  expect(candleTopic('BTC-KRW', '1h')).toBe('candles:BTC-KRW_1h');
});
