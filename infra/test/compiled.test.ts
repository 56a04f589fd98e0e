/**
 * Production runs the compiled processes: `npm run build` once for the suite, then a stack of
 * compiled api, engine, ledger and realtime processes (plain `node dist/...`, no TypeScript loader)
 * on a real redis-server, through which two accounts trade.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { waitFor } from '@xtrader/platform';
import type { AccountResponse, OrderView } from '@xtrader/protocol';
import { ApiClient } from '../src/api-client';
import { compiledEntry, ENTRY, REPO_ROOT } from '../src/paths';
import { startStack, type Stack } from '../src/stack';
import { FeedClient, getOrder, placeOrder, TEST_ADMIN_TOKEN } from './support/exchange-client';

const SYMBOL = 'BTC-KRW';
let stack: Stack;
let build: { status: number | null; output: string };

beforeAll(async () => {
  const res = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  build = { status: res.status, output: `${res.stdout}${res.stderr}` };
  if (res.status !== 0) throw new Error(`npm run build failed (${res.status}):\n${build.output}`);
  stack = await startStack({
    compiled: true,
    symbols: [SYMBOL],
    prefix: `t-${randomBytes(4).toString('hex')}`,
    env: { LOG_LEVEL: 'warn', XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

it('runs every process of the stack from dist/ with plain node', () => {
  expect(build.output).toContain('compiled to dist/');
  const nodes = stack.processes.filter((p) => p.role !== 'redis');
  expect(nodes.map((p) => p.role).sort()).toEqual(['api', 'engine', 'ledger', 'realtime']);
  for (const p of nodes) {
    const [command, ...args] = commandLine(p.pid!);
    const source = ENTRY[p.role as 'api' | 'engine' | 'ledger' | 'realtime'];
    expect({ name: p.name, command, entry: args.find((a) => a.startsWith('dist/')), loader: args.some((a) => a === 'tsx' || a === '--import') }).toEqual({
      name: p.name,
      command: process.execPath,
      entry: compiledEntry(source),
      loader: false,
    });
  }
});

it('takes two orders from two accounts, matches them, settles the balances and pushes the trade', async () => {
  const api = stack.apiUrls[0];
  const [seller, buyer] = await Promise.all([
    ApiClient.withNewAccount(api, 'compiled_sell', undefined, { adminToken: TEST_ADMIN_TOKEN }),
    ApiClient.withNewAccount(api, 'compiled_buy', undefined, { adminToken: TEST_ADMIN_TOKEN }),
  ]);
  const before = await buyer.request<AccountResponse>('GET', '/api/v1/account');
  const feed = await FeedClient.connect(`${stack.realtimeUrls[0].replace('http', 'ws')}/ws`);
  await feed.subscribe(['executions'], [SYMBOL]);

  const sell = await placeOrder(seller, { symbol: SYMBOL, side: 'Sell', type: 'Limit', price: 61_000_000, quantity: '0.01' });
  const buy = await placeOrder(buyer, { symbol: SYMBOL, side: 'Buy', type: 'Limit', price: 61_000_000, quantity: '0.01' });

  const exec = await feed.execution(buy.order_id);
  expect(exec).toMatchObject({ symbol: SYMBOL, side: 'Buy', price: 61_000_000, quantity: 0.01, maker_order_id: sell.order_id });
  feed.close();
  for (const [client, id] of [
    [seller, sell.order_id],
    [buyer, buy.order_id],
  ] as const) {
    const order = (await getOrder(client, id)) as OrderView;
    expect({ id, status: order.status, filled: order.filled_quantity }).toEqual({ id, status: 'FILLED', filled: 0.01 });
  }
  // The ledger settles after the engine commits: wait for the bought BTC to be the buyer's.
  const btc = (a: AccountResponse) => a.balances!.find((b) => b.asset === 'BTC')!;
  let after = before;
  await waitFor('the buyer to hold the bought BTC', async () => btc((after = await buyer.request<AccountResponse>('GET', '/api/v1/account'))).available !== btc(before).available, { timeoutMs: 20_000 });
  expect(btc(after).available - btc(before).available).toBeCloseTo(0.01, 8);
}, 60_000);
