/**
 * The seam that reaches into engine.io (engine-io-bypass.ts), against the real socket.io and
 * engine.io this repository installs: it must see engine.io's own queue, find the client's TCP
 * socket, and frames written beside engine.io while it holds nothing must reach the client
 * whole and in order with engine.io's own packets. An engine.io upgrade that renames what the
 * seam reads fails here, not in production.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { waitFor } from '@xtrader/platform';
import { clientTcpSocket, engineHoldsNothing, engineQueued } from '../src/engine-io-bypass';
import { Outgoing } from '../src/outgoing';

const POLL = { timeoutMs: 10_000, intervalMs: 5 };

let http: HttpServer;
let server: Server;
let client: ClientSocket;
let socket: Socket;

beforeAll(async () => {
  http = createServer();
  server = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
  client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false });
  socket = await connected;
  await new Promise<void>((resolve) => (client.connected ? resolve() : client.once('connect', () => resolve())));
});
afterAll(async () => {
  client?.disconnect();
  await server?.close();
});

test("finds the client's TCP socket", () => {
  const tcp: NetSocket = clientTcpSocket(socket);
  // A live socket to the client (that bytes written to it reach the client is the last test).
  expect({ writable: tcp.writable, destroyed: tcp.destroyed, peer: tcp.remoteAddress }).toEqual({ writable: true, destroyed: false, peer: '127.0.0.1' });
});

test("sees engine.io's own queue and mid-send state", async () => {
  // Quiet: engine.io holds nothing (its connect packets went out long ago).
  await waitFor('engine.io to hold nothing', () => engineHoldsNothing(socket), POLL);
  expect(engineQueued(socket)).toBe(0);
  socket.emit('first', 1);
  // The first packet is being sent (the transport is mid-send); a second waits in the queue.
  expect(engineHoldsNothing(socket)).toBe(false);
  socket.emit('second', 2);
  expect(engineQueued(socket)).toBe(1);
});

test('frames written beside engine.io while it holds nothing arrive whole and in order', async () => {
  const received: string[] = [];
  client.onAny((event: string) => received.push(event));
  const tcp = clientTcpSocket(socket);
  const waitIdle = () => waitFor('engine.io to hold nothing', () => engineHoldsNothing(socket), POLL);
  await waitIdle();
  for (let i = 0; i < 20; i++) {
    if (i % 3 === 0) {
      socket.emit(`engine-${i}`, { i });
      await waitIdle();
    } else {
      tcp.write(new Outgoing({ type: `bypass-${i}`, i }).socketIoFrame);
    }
  }
  await waitFor('the 20 frames to arrive', () => received.filter((e) => /-(\d+)$/.test(e) && !['first', 'second'].includes(e)).length >= 20, POLL);
  const ordered = received.filter((e) => e !== 'first' && e !== 'second');
  expect(ordered).toEqual(Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `engine-${i}` : `bypass-${i}`)));
});
