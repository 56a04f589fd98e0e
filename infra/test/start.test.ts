/**
 * README's start command as a newcomer runs it: `npm start -- --demo` (here with free ports and
 * a temporary data folder) brings up a live exchange whose page, API and WebSocket work, the
 * demo bot makes trades, and SIGTERM stops every process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@xtrader/platform';
import { REPO_ROOT } from '../src/paths';
import { waitFor } from '@xtrader/platform';
import { FeedClient } from './support/exchange-client';

let launcher: ChildProcess;
let output = '';
let dataDir: string;
let apiPort: number;
let realtimePort: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'xt-start-'));
  [apiPort, realtimePort] = [await freePort(), await freePort()];
  const redisPort = await freePort();
  // No REDIS_URL: the launcher starts the project Redis, as on a fresh machine.
  const { REDIS_URL: _ignored, ...inherited } = process.env;
  const env = { ...inherited, XT_DATA_DIR: dataDir, XT_PREFIX: 'xt' };
  launcher = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/src/start.ts', '--demo', '--api-port', String(apiPort), '--realtime-port', String(realtimePort), '--redis-port', String(redisPort), '--symbol', 'BTC-KRW'],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  launcher.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  launcher.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  await waitFor('the launcher to say it is running', () => output.includes('xTrader is running'), {
    timeoutMs: 120_000,
    abortIf: () => (launcher.exitCode !== null ? `launcher exited ${launcher.exitCode}:\n${output}` : undefined),
  });
}, 150_000);

afterAll(async () => {
  if (launcher?.exitCode === null) {
    launcher.kill('SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('prints where the page, the API and the WebSocket are', () => {
  expect(output).toContain(`trading page  http://localhost:${realtimePort}`);
  expect(output).toContain(`REST API      http://localhost:${apiPort}/api/v1`);
  expect(output).toContain(`ws://localhost:${realtimePort}/ws`);
});

it('serves the trading page, tells it where the API is, and the demo bot keeps the market trading', async () => {
  const page = await fetch(`http://127.0.0.1:${realtimePort}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');
  const config = (await (await fetch(`http://127.0.0.1:${realtimePort}/config.json`)).json()) as { apiUrl: string };
  // The api on the host name the page was loaded from, where the page's session cookie is same-site.
  expect(config.apiUrl).toBe(`http://127.0.0.1:${apiPort}`);

  // The demo bot's trades arrive by push, as the page would see them.
  const feed = await FeedClient.connect(`ws://127.0.0.1:${realtimePort}/ws`);
  await feed.subscribe(['executions'], ['BTC-KRW']);
  const exec = await feed.next((m) => m.type === 'Execution', 'a demo trade', 30_000);
  expect(exec.symbol).toBe('BTC-KRW');
  feed.close();
  const book = (await (await fetch(`http://127.0.0.1:${apiPort}/api/v1/orderbook/BTC-KRW`)).json()) as { orderbook: { bids: unknown[]; asks: unknown[] } };
  expect(book.orderbook.bids.length + book.orderbook.asks.length).toBeGreaterThan(0);
}, 60_000);

it('keeps Redis data in the project folder with AOF on, and stops everything on SIGTERM', async () => {
  expect(existsSync(join(dataDir, 'redis'))).toBe(true);
  expect(readdirSync(join(dataDir, 'redis')).some((f) => f.startsWith('appendonly'))).toBe(true);
  const exited = new Promise<number | null>((r) => launcher.once('exit', (code) => r(code)));
  launcher.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('stopped.');
  // Nothing is left listening on the ports it used.
  await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${realtimePort}/healthz`)).rejects.toThrow();
}, 60_000);
