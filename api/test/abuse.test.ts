/**
 * Abuse controls of an api node, tried on the real process with its configuration defaults (only
 * the limits under test are set): the order limit holds whatever the path spelling or a forged
 * X-Forwarded-For, and requests that never finish arriving are dropped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { RedisServer, waitFor } from '@xtrader/platform';
import { symbolKeys } from '@xtrader/protocol';
import { http, LedgerWriters, newAccount, signedHttp, TEST_LEDGER_ENV, TEST_LEDGER_SHARDS, type Account } from './helpers';

const ROOT = join(__dirname, '..', '..');
const BUDGET = 3;
let server: RedisServer;
let child: ChildProcess;
let ledger: LedgerWriters;
let base: string;
let port: number;
let account: Account;
const prefix = `t-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await RedisServer.launch();
  ledger = new LedgerWriters(server.url, prefix, TEST_LEDGER_SHARDS);
  ledger.start();
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api', 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: server.url,
      XT_PREFIX: prefix,
      LOG_LEVEL: 'info',
      API_RATE_LIMIT: String(BUDGET),
      API_RATE_WINDOW_S: '3600',
      XT_HTTP_HEADERS_TIMEOUT_MS: '1000',
      XT_HTTP_REQUEST_TIMEOUT_MS: '1500',
      ...TEST_LEDGER_ENV,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = /"msg":"api listening","port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`api exited:\n${buf}`)));
  });
  base = `http://127.0.0.1:${port}`;
  account = await newAccount(base);
}, 30_000);
afterAll(async () => {
  child?.kill('SIGTERM');
  await ledger?.stop();
  await server?.destroy();
});

const order = { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: '50000000', quantity: '0.01' };
const appended = async () => {
  const redis = server.client();
  try {
    return await redis.xlen(symbolKeys('BTC-KRW', prefix).commands);
  } finally {
    redis.disconnect();
  }
};

describe('the order limit (one client, budget spent first)', () => {
  beforeAll(async () => {
    for (let i = 0; i < BUDGET; i++) expect((await signedHttp(account, 'POST', `${base}/api/v1/order`, order)).status).toBe(202);
    expect((await signedHttp(account, 'POST', `${base}/api/v1/order`, order)).status).toBe(429);
  });

  test.each([
    ['POST', '/api/v1/Order'],
    ['POST', '/API/V1/ORDER'],
    ['POST', '/v1/Order'],
    ['POST', '/api/v1/order/'],
    ['POST', '/api/v1/Order/'],
    ['POST', '/api/v1/order?wait=false'],
    ['POST', '/api/v1/Order/Cancel'],
    ['POST', '/api/v1/order/cancel/'],
    ['DELETE', '/api/v1/Order/some-id'],
  ])('%s %s cannot place or cancel past it', async (method, path) => {
    const before = await appended();
    const body = path.toLowerCase().includes('cancel') ? { order_id: 'some-id' } : method === 'POST' ? order : undefined;
    const res = await signedHttp(account, method, `${base}${path}`, body);
    // Refused by the limit, or not a route at all: never served.
    expect({ status: res.status, error: res.body.error }).toEqual(res.status === 429 ? { status: 429, error: 'RATE_LIMITED' } : { status: 404, error: 'NOT_FOUND' });
    expect(await appended()).toBe(before);
  });

  test('a forged X-Forwarded-For from a client that is not a configured proxy buys no new budget', async () => {
    const before = await appended();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await signedHttp(account, 'POST', `${base}/api/v1/order`, order, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status);
    expect(answers).toEqual([429, 429, 429, 429, 429]);
    expect(await appended()).toBe(before);
  });
});

describe('requests that never finish arriving', () => {
  /** Opens a connection, writes `text` and resolves when the server closes it. */
  const closedBy = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      let reply = '';
      socket.on('data', (b) => (reply += b.toString()));
      socket.on('close', () => resolve(reply));
      socket.on('error', reject);
    });

  test('a body that stops half-way is dropped (the order is not appended)', async () => {
    const before = await appended();
    const body = JSON.stringify({ ...order, client_order_id: 'slow-body' });
    const reply = await closedBy(`POST /api/v1/order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n${body.slice(0, 10)}`);
    expect(reply).not.toMatch(/^HTTP\/1\.1 20/);
    expect(await appended()).toBe(before);
  }, 15_000);

  test('headers that never end are dropped', async () => {
    const reply = await closedBy('GET /api/v1/symbols HTTP/1.1\r\nHost: x\r\nX-Slow: 1');
    expect(reply).not.toMatch(/^HTTP\/1\.1 200/);
  }, 15_000);
});

test('the process is still serving', async () => {
  await waitFor('healthz', async () => ((await http('GET', `${base}/healthz`)).status === 200 ? true : undefined));
});
