/**
 * Connection caps of a realtime node: per client address and in total, on /ws and socket.io
 * alike (one budget for both), and a per-connection budget of Subscribe/Unsubscribe messages per
 * second. A refused connection is answered at the handshake and holds nothing; a freed slot
 * can be used again.
 */
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { RedisServer, waitFor } from '@xtrader/platform';
import { startRealtime, type RealtimeNode } from '../src';
import { SioClient, WsClient, randomPrefix } from './support';

let redisServer: RedisServer;
let node: RealtimeNode;
let base: string;

beforeAll(async () => {
  redisServer = await RedisServer.launch();
  node = await startRealtime({
    port: 0,
    host: '127.0.0.1',
    redisUrl: redisServer.url,
    prefix: randomPrefix(),
    symbols: ['BTC-KRW'],
    logLevel: 'silent',
    // The test plays the proxy: it names each client in X-Forwarded-For.
    connectionLimits: { perAddress: 2, total: 4, subscribesPerSecond: 3, trustProxy: 'loopback' },
  });
  base = `http://127.0.0.1:${node.port}`;
});
afterAll(async () => {
  await node?.close();
  await redisServer?.destroy();
});

/** Opens /ws as `address`; resolves with 'open' or the HTTP status it was refused with. */
function tryWs(address: string): Promise<{ outcome: 'open' | number; ws: WebSocket }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { 'x-forwarded-for': address } });
  return new Promise((resolve) => {
    ws.once('open', () => resolve({ outcome: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ outcome: res.statusCode ?? 0, ws }));
    ws.once('error', () => resolve({ outcome: -1, ws }));
  });
}

/**
 * Opens /ws as `address`, trying again while the node still counts connections that were closed
 * a moment ago (a slot is freed when the server sees the TCP close).
 */
function openWs(address: string): Promise<WebSocket> {
  return waitFor(`/ws to open as ${address}`, async () => {
    const r = await tryWs(address);
    return r.outcome === 'open' ? r.ws : false;
  }, { timeoutMs: 10_000, intervalMs: 50 });
}

/** Connects socket.io as `address`; resolves with 'open' or the connect error's message. */
function trySio(address: string): Promise<{ outcome: string; close: () => void }> {
  const socket = io(base, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { 'x-forwarded-for': address } });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ outcome: 'open', close: () => socket.disconnect() }));
    socket.once('connect_error', (e) => resolve({ outcome: `refused: ${e.message}`, close: () => socket.disconnect() }));
  });
}

test('one address gets at most its share of connections, counted over /ws and socket.io together', async () => {
  const a = await tryWs('198.51.100.1');
  const b = await trySio('198.51.100.1');
  expect([a.outcome, b.outcome]).toEqual(['open', 'open']);
  const third = await tryWs('198.51.100.1');
  expect(third.outcome).toBe(429);
  const fourth = await trySio('198.51.100.1');
  expect(fourth.outcome).toMatch(/^refused/);
  // Another address is not affected.
  const other = await tryWs('198.51.100.2');
  expect(other.outcome).toBe('open');

  // A closed connection frees its slot.
  a.ws.terminate();
  (await openWs('198.51.100.1')).terminate();
  b.close();
  other.ws.terminate();
  fourth.close();
});

test('the node holds at most its total of connections, whoever opens them', async () => {
  // Slots of the previous test may take a moment to be released: each of the four opens in time.
  const open: WebSocket[] = [];
  for (let i = 0; i < 4; i++) open.push(await openWs(`203.0.113.${i + 1}`));
  expect((await tryWs('203.0.113.99')).outcome).toBe(503);
  expect((await trySio('203.0.113.98')).outcome).toMatch(/^refused/);
  for (const ws of open) ws.terminate();
});

test('subscribe messages per second per connection are bounded; the rest get an Error and change nothing', async () => {
  const c = await WsClient.connect(base, 'flooder');
  for (let i = 0; i < 10; i++) c.send({ type: 'Subscribe', channels: ['executions'], symbols: ['BTC-KRW'] });
  await c.until('ten replies', () => c.of('SubscribeSuccess').length + c.of('Error').length >= 10);
  expect(c.of('SubscribeSuccess').length).toBe(3);
  const errors = c.of('Error');
  expect(errors).toHaveLength(7);
  expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('3 Subscribe/Unsubscribe messages per second') });
  c.close();
  const s = await SioClient.connect(base, 'sio');
  s.close();
});
