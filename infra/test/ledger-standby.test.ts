/**
 * Two ledger writer processes in a stack: `ledger-a` leads every shard, `ledger-b` stands by;
 * after kill -9 of the leader the standby takes every shard's lease, and the restarted process
 * stands by in its turn.
 */
import { randomBytes } from 'node:crypto';
import { waitFor } from '@xtrader/platform';
import { startStack, type Stack } from '../src/stack';

const SHARDS = 2;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    apis: 0,
    realtimes: 0,
    ledgerWriters: 2,
    symbols: ['BTC-KRW'],
    prefix: `t-${randomBytes(4).toString('hex')}`,
    env: { XT_LEDGER_SHARDS: String(SHARDS), LEDGER_LEASE_MS: '1000', ENGINE_CLOCK_MS: '0', LOG_LEVEL: 'warn' },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const leaders = () => Promise.all(Array.from({ length: SHARDS }, (_, shard) => stack.activeLedger(shard).then((m) => m?.name)));

test('kill -9 of the leading ledger writer: the standby takes every shard', async () => {
  expect(await leaders()).toEqual(['ledger-a', 'ledger-a']);
  const a = stack.process('ledger-a');
  await a.kill('SIGKILL');
  await waitFor('ledger-b to lead every shard', async () => (await leaders()).every((n) => n === 'ledger-b'), { timeoutMs: 30_000 });
  await a.start();
  expect(await leaders()).toEqual(['ledger-b', 'ledger-b']);
  expect(a.running).toBe(true);
}, 60_000);
