/**
 * `npx tsx infra/src/load/idle-cpu.ts [--seconds 10]`: starts the load runner's single-machine
 * stack (Redis AOF fsync always), leaves it idle, and prints the cores each process used over the
 * window: an idle engine or ledger writer should use ~0 (a busy-poll shows here).
 */
import { parseArgs } from 'node:util';
import { startStack } from '../stack';
import { CpuSampler } from './cpu';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 300) throw new Error(`--seconds must be between 1 and 300, got ${values.seconds}`);
  const stack = await startStack({ apis: 1, realtimes: 1, enginesPerSymbol: 1, appendOnly: true, env: { LOG_LEVEL: 'warn', NODE_ENV: 'production' } });
  try {
    const cpu = new CpuSampler(() => stack.processes);
    cpu.start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const use = cpu.stop();
    process.stdout.write(`idle ${seconds} s, cores per process: ${use.table}\n`);
  } finally {
    await stack.stop();
  }
}

main().catch((e: Error) => {
  console.error(`idle-cpu failed: ${e.message}`);
  process.exit(1);
});
