/**
 * `npm run load` end to end at a gentle rate, for each workload: it starts its own stack, trades,
 * measures each taker order from submit to its Execution on /ws, and ends with the one-line JSON
 * summary.
 */
import { spawnSync } from 'node:child_process';
import { PIPELINE_HOPS } from '@xtrader/protocol';
import { REPO_ROOT } from '../src/paths';

const KEYS = ['target_rate', 'achieved_rate', 'p50_ms', 'p99_ms', 'p999_ms', 'errors', 'accept_p99_ms', 'cpu_ms_per_order', 'workload'] as const;

type Summary = Record<Exclude<(typeof KEYS)[number], 'workload'>, number> & { workload: string };

/** The per-hop counts of the runner's table, by hop. */
function hopCounts(stdout: string): Record<string, number> {
  return Object.fromEntries(PIPELINE_HOPS.map((hop) => [hop, Number(new RegExp(`^  ${hop} +(\\d+) +<=`, 'm').exec(stdout)?.[1] ?? 0)]));
}

/** Runs the load runner on BTC-KRW (no AOF, no baseline): it must exit 0 and end with the JSON summary. */
function runLoad(args: string[]): { stdout: string; summary: Summary } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', ...args, '--symbol', 'BTC-KRW', '--aof', 'off', '--baseline', 'off'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 150_000,
  });
  expect({ status: res.status, stderr: res.status === 0 ? '' : res.stderr }).toEqual({ status: 0, stderr: '' });
  const lines = res.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]) as Summary;
  expect(Object.keys(summary)).toEqual(KEYS);
  return { stdout: res.stdout, summary };
}

it('prints the JSON summary as its last line, with every order executed and no errors', () => {
  const { stdout, summary } = runLoad(['--rate', '100', '--duration', '4', '--warmup', '1']);
  expect(summary.workload).toBe('crossing');
  expect(summary.target_rate).toBe(100);
  expect({ errors: summary.errors, report: summary.errors === 0 ? '' : stdout }).toEqual({ errors: 0, report: '' });
  expect(summary.achieved_rate).toBeGreaterThan(50);
  expect(summary.p50_ms).toBeGreaterThan(0);
  expect(summary.p99_ms).toBeGreaterThanOrEqual(summary.p50_ms);
  expect(summary.p999_ms).toBeGreaterThanOrEqual(summary.p99_ms);
  expect(stdout).toMatch(/accepted orders never executed 0/);
  // The 202 comes before the Execution it leads to; every order costs the stack some CPU.
  expect(summary.accept_p99_ms).toBeGreaterThan(0);
  expect(summary.cpu_ms_per_order).toBeGreaterThan(0);
  // The per-hop table: every hop an order passes counted orders after the warmup.
  const counted = hopCounts(stdout);
  for (const hop of PIPELINE_HOPS) expect({ hop, counted: counted[hop] > 0 }).toEqual({ hop, counted: true });
  expect(stdout).toMatch(/CPU while submitting.*redis \d+\.\d\d.*engine-BTC-KRW.*api-1.*ms per accepted order/);
}, 160_000);

it('drives a maker book: quotes resting before the clock, cancel/replace far more often than takers trade, every taker executed', () => {
  const { stdout, summary } = runLoad(['--workload', 'maker', '--rate', '200', '--duration', '4', '--warmup', '1']);
  expect(summary.workload).toBe('maker');
  expect(summary.target_rate).toBe(200);
  // Errors include any refused cancel of a quote that never traded, and any taker never executed.
  expect({ errors: summary.errors, report: summary.errors === 0 ? '' : stdout }).toEqual({ errors: 0, report: '' });
  expect(summary.achieved_rate).toBeGreaterThan(100);
  expect(stdout).toMatch(/accepted orders never executed 0/);
  expect(stdout).toMatch(/8 makers x 1 symbol\(s\) x 20 levels a side \(320 quotes placed before the clock\)/);

  const m = /commands: cancels (\d+) \(\d+%\), places (\d+) \(\d+%\), takers (\d+) \(\d+%\); cancel of a filled order (\d+)/.exec(stdout);
  expect(m).not.toBeNull();
  const [cancels, places, takers, ofFilled] = m!.slice(1).map(Number);
  const commands = cancels + places + takers;
  // Each cancel has its replacement place, so cancels are about half: 5 of every 11 commands by
  // default, and with their replacements the quote upkeep is most of the traffic.
  expect(cancels).toBeGreaterThanOrEqual(4 * takers);
  expect(cancels).toBeGreaterThan(commands * 0.4);
  expect(cancels + places).toBeGreaterThan(commands * 0.8);
  expect(takers).toBeGreaterThan(0);
  // Some cancels name a quote a taker filled first: expected, not more than there were trades.
  expect(ofFilled).toBeLessThanOrEqual(takers);
  // Every taker traded (one Execution each: it takes one minimum-quantity quote).
  expect(stdout).toMatch(new RegExp(`executions: ${takers} trades seen`));
  expect(summary.p50_ms).toBeGreaterThan(0);
  expect(summary.accept_p99_ms).toBeGreaterThan(0);
  expect(summary.cpu_ms_per_order).toBeGreaterThan(0);
  expect(stdout).toMatch(/^  cancel \(after warmup, n=\d+\): p50 /m);
  const counted = hopCounts(stdout);
  for (const hop of PIPELINE_HOPS) expect({ hop, counted: counted[hop] > 0 }).toEqual({ hop, counted: true });
  expect(stdout).toMatch(/CPU while submitting.*redis \d+\.\d\d.*engine-BTC-KRW.*api-1.*ms per accepted command/);
}, 160_000);

it('refuses a target that is not on this machine, and rates beyond its bounds', () => {
  const remote = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', '--target', 'http://example.com'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(remote.status).toBe(2);
  expect(remote.stderr).toContain('only loopback targets are allowed');
  const tooFast = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', '--rate', '1000000'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(tooFast.status).toBe(2);
  expect(tooFast.stderr).toContain('--rate must be between 1 and 20000');
  const unknown = spawnSync(process.execPath, ['--import', 'tsx', 'infra/src/load/run.ts', '--workload', 'spoofing'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('--workload must be crossing or maker');
}, 60_000);
