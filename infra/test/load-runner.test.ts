/**
 * `npm run load` end to end at a gentle rate: it starts its own stack, trades, measures each
 * order from submit to its Execution on /ws, and ends with the one-line JSON summary.
 */
import { spawnSync } from 'node:child_process';
import { PIPELINE_HOPS } from '@xtrader/protocol';
import { REPO_ROOT } from '../src/paths';

it('prints the JSON summary as its last line, with every order executed and no errors', () => {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'infra/src/load/run.ts', '--rate', '100', '--duration', '4', '--warmup', '1', '--symbol', 'BTC-KRW', '--aof', 'off', '--baseline', 'off'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 150_000 },
  );
  expect({ status: res.status, stderr: res.status === 0 ? '' : res.stderr }).toEqual({ status: 0, stderr: '' });
  const lines = res.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]) as Record<string, number>;
  expect(Object.keys(summary)).toEqual(['target_rate', 'achieved_rate', 'p50_ms', 'p99_ms', 'p999_ms', 'errors', 'accept_p99_ms', 'cpu_ms_per_order']);
  expect(summary.target_rate).toBe(100);
  expect({ errors: summary.errors, report: summary.errors === 0 ? '' : res.stdout }).toEqual({ errors: 0, report: '' });
  expect(summary.achieved_rate).toBeGreaterThan(50);
  expect(summary.p50_ms).toBeGreaterThan(0);
  expect(summary.p99_ms).toBeGreaterThanOrEqual(summary.p50_ms);
  expect(summary.p999_ms).toBeGreaterThanOrEqual(summary.p99_ms);
  expect(res.stdout).toMatch(/accepted orders never executed 0/);
  // The 202 comes before the Execution it leads to; every order costs the stack some CPU.
  expect(summary.accept_p99_ms).toBeGreaterThan(0);
  expect(summary.cpu_ms_per_order).toBeGreaterThan(0);
  // The per-hop table: every hop an order passes counted orders after the warmup.
  const hopCounts = Object.fromEntries(PIPELINE_HOPS.map((hop) => [hop, Number(new RegExp(`^  ${hop} +(\\d+) +<=`, 'm').exec(res.stdout)?.[1] ?? 0)]));
  for (const hop of PIPELINE_HOPS) expect({ hop, counted: hopCounts[hop] > 0 }).toEqual({ hop, counted: true });
  expect(res.stdout).toMatch(/CPU while submitting.*redis \d+\.\d\d.*engine-BTC-KRW.*api-1.*ms per accepted order/);
}, 160_000);

it('refuses a target that is not on this machine, and rates beyond its bounds', () => {
  const remote = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', '--target', 'http://example.com'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(remote.status).toBe(2);
  expect(remote.stderr).toContain('only loopback targets are allowed');
  const tooFast = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', '--rate', '1000000'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(tooFast.status).toBe(2);
  expect(tooFast.stderr).toContain('--rate must be between 1 and 20000');
}, 60_000);
