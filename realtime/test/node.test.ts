import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { RedisServer, freePort } from '@xtrader/platform';
import { startRealtime, type RealtimeNode } from '../src';
import { NodeProcess, SioClient, WsClient, execution, produce, randomPrefix, subscribe } from './support';

/** One node's surroundings: HTTP routes, clean SIGTERM, and living through a Redis restart. */
let redisServer: RedisServer;
let redis: Redis;

beforeAll(async () => {
  redisServer = await RedisServer.launch();
  redis = redisServer.client();
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.destroy();
});

describe('HTTP on the realtime port', () => {
  let node: RealtimeNode;
  let base: string;
  const dist = mkdtempSync(join(tmpdir(), 'xt-web-'));

  beforeAll(async () => {
    node = await startRealtime({ port: 0, host: '127.0.0.1', redisUrl: redisServer.url, prefix: randomPrefix(), symbols: ['BTC-KRW'], webDist: dist, logLevel: 'silent' });
    base = `http://127.0.0.1:${node.port}`;
  });
  afterAll(async () => {
    await node.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('before the page is built, / explains how to build it', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });

  test('serves the built page, its assets, and index.html for client-side routes', async () => {
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>xTrader</title><div id="root"></div>');
    writeFileSync(join(dist, 'app.js'), 'console.log(1)');
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const asset = await fetch(`${base}/app.js`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    const route = await fetch(`${base}/markets/ETH-KRW`);
    expect(await route.text()).toContain('<div id="root">');
  });

  test('/config.json points the page at the api on the host it was loaded from', async () => {
    expect(await (await fetch(`${base}/config.json`)).json()).toEqual({ apiUrl: 'http://127.0.0.1:7000' });
    // fetch() may not set Host; a plain request can, as a browser on another name would.
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: node.port, path: '/config.json', headers: { host: 'exchange.example:7001' } }, (res) => {
        let text = '';
        res.on('data', (b: Buffer) => (text += b.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual({ apiUrl: 'http://exchange.example:7000' });
  });

  test('/healthz and /metrics answer', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['xt_realtime_connections', 'xt_realtime_subscriptions', 'xt_realtime_messages_delivered_total', 'xt_realtime_queue_depth', 'xt_realtime_dropped_clients_total']) {
      expect(metrics).toContain(name);
    }
  });

  test('other upgrade paths are refused; GET /ws says to upgrade', async () => {
    expect((await fetch(`${base}/ws`)).status).toBe(426);
    const { WebSocket } = await import('ws');
    const other = new WebSocket(`ws://127.0.0.1:${node.port}/elsewhere`);
    const outcome = await new Promise<string>((r) => {
      other.once('open', () => r('open'));
      other.once('error', () => r('refused'));
    });
    expect(outcome).toBe('refused');
  });

  test('a behind-the-balancer setup gets a same-origin apiUrl', async () => {
    const lb = await startRealtime({ port: 0, host: '127.0.0.1', redisUrl: redisServer.url, symbols: ['BTC-KRW'], webDist: dist, publicApiUrl: '', logLevel: 'silent' });
    try {
      expect(await (await fetch(`http://127.0.0.1:${lb.port}/config.json`)).json()).toEqual({ apiUrl: '' });
    } finally {
      await lb.close();
    }
  });
});

test('SIGTERM closes every client and exits 0', async () => {
  const node = await NodeProcess.start({ REDIS_URL: redisServer.url, XT_PREFIX: randomPrefix() });
  const ws = await WsClient.connect(node.url, 'term');
  const sio = await SioClient.connect(node.url, 'term');
  await subscribe(ws, { channels: 'all', symbols: 'all' });
  await subscribe(sio, { channels: 'all', symbols: 'all' });
  const code = await node.stop();
  expect(code).toBe(0);
  await ws.until('close', () => ws.closed);
  await sio.until('disconnect', () => sio.closed);
  expect(ws.closeCode).toBe(1001);
  expect(node.output).toContain('realtime node closed');
});

test('a node keeps delivering after Redis restarts', async () => {
  const own = await RedisServer.launch({ appendOnly: true });
  const prefix = randomPrefix();
  const node = await startRealtime({ port: 0, host: '127.0.0.1', redisUrl: own.url, prefix, symbols: ['BTC-KRW'], logLevel: 'silent' });
  const client = await WsClient.connect(`http://127.0.0.1:${node.port}`, 'restart');
  const producer = own.client();
  try {
    await subscribe(client, { channels: ['executions'], symbols: ['BTC-KRW'] });
    await produce(producer, prefix, [execution('BTC-KRW', 1, 0)]);
    await client.next((m) => m.sequence === 1);

    await own.stop();
    await own.start();
    // The node reconnects by itself; the producer retries until Redis answers again.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await produce(producer, prefix, [execution('BTC-KRW', 2, 1)]);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => producer.once('ready', r));
      }
    }
    await client.next((m) => m.sequence === 2, 0, 15_000);
    expect(client.closed).toBe(false);
  } finally {
    client.close();
    producer.disconnect();
    await node.close();
    await own.destroy();
  }
});

test('a port already in use fails the start with a readable error', async () => {
  const port = await freePort();
  const first = await startRealtime({ port, host: '127.0.0.1', redisUrl: redisServer.url, symbols: ['BTC-KRW'], logLevel: 'silent' });
  try {
    await expect(startRealtime({ port, host: '127.0.0.1', redisUrl: redisServer.url, symbols: ['BTC-KRW'], logLevel: 'silent' })).rejects.toThrow(/EADDRINUSE/);
  } finally {
    await first.close();
  }
});
