/**
 * The api as a real process next to an in-process node: both answer from the same Redis, an
 * engine outcome reaches whichever node waits for it, and SIGTERM shuts the process down cleanly.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger, RedisServer } from '@xtrader/platform';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi, type RunningApi } from '../src/app';
import { SymbolRunner } from '../../engine/src/runner';
import { LedgerWriters, newAccount, signedHttp, TEST_LEDGER_API, TEST_LEDGER_ENV, TEST_LEDGER_SHARDS, type Account } from './helpers';

const ROOT = join(__dirname, '..', '..');
let server: RedisServer;
let inProcess: RunningApi;
let runner: SymbolRunner;
let ledger: LedgerWriters;
let account: Account;
/** The taker: one account's orders never trade with each other (self-trade prevention). */
let buyer: Account;
const prefix = `t-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  server = await RedisServer.launch();
  const markets = loadMarketMap();
  const log = createLogger('test', 'silent');
  inProcess = await startApi({ redisUrl: server.url, prefix, markets, port: 0, host: '127.0.0.1', log, ...TEST_LEDGER_API });
  ledger = new LedgerWriters(server.url, prefix, TEST_LEDGER_SHARDS);
  ledger.start();
  runner = new SymbolRunner({ spec: markets.get('BTC-KRW')!, redisUrl: server.url, prefix, engineId: 'proc-test', log, blockMs: 50 });
  void runner.start();
  await runner.whenLeader();
  account = await newAccount(inProcess.url);
  buyer = await newAccount(inProcess.url);
});
afterAll(async () => {
  await runner?.stop();
  await ledger?.stop();
  await inProcess?.close();
  await server?.destroy();
});

test('two api nodes (one a real process) share the order path; SIGTERM exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api', 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', REDIS_URL: server.url, XT_PREFIX: prefix, LOG_LEVEL: 'info', ...TEST_LEDGER_ENV },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = /"msg":"api listening","port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`api exited:\n${buf}`)));
  });
  const nodeA = `http://127.0.0.1:${port}/api/v1`;
  const nodeB = `${inProcess.url}/api/v1`;

  const sell = await signedHttp(account, 'POST', `${nodeA}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Sell', type: 'Limit', price: 51_000_000, quantity: 1 });
  expect(sell.status).toBe(200);
  expect(sell.body.status).toBe('NEW');
  const buy = await signedHttp(buyer, 'POST', `${nodeB}/order?wait=true`, { symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 51_000_000, quantity: 0.25 });
  expect(buy.body).toMatchObject({ status: 'FILLED', average_price: 51_000_000 });
  const cancelled = await signedHttp(account, 'DELETE', `${nodeB}/order/${sell.body.order_id}`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body).toMatchObject({ status: 'CANCELLED', filled_quantity: 0.25, remaining_quantity: 0.75 });
  const seen = await signedHttp(account, 'GET', `${nodeA}/order/${sell.body.order_id}`);
  expect(seen.body).toEqual(cancelled.body);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 30_000);
