/**
 * `npm run bench:boot [-- --rounds 5]`: boot time and memory of an api and an engine process,
 * compiled (`node dist/...`, from `npm run build`) vs the sources under the tsx loader, in the
 * same run, against one redis-server (platform's launcher).
 *
 * Boot time: from spawn until the process logs that it is ready (api: "api listening", its HTTP
 * server accepts; engine: "lease acquired", its symbol recovered and live). Memory: the process's
 * resident set (VmRSS) one second after that line, and its peak (VmHWM) by then. Every start uses
 * a fresh key prefix (nothing to recover, no lease to wait for). Rounds alternate the order of the
 * two variants (ABBA) so a machine getting busier or quieter weighs on both; round 0 warms the
 * page cache and tsx's transform cache and is not counted. Prints a Markdown table.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RedisServer } from '@xtrader/platform';
import { assertCompiled, compiledEntry, ENTRY, nodeArgs, REPO_ROOT } from './paths';
import { ENGINE_NODE_FLAGS } from './stack';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);

type Kind = 'api' | 'engine';
type Variant = 'compiled' | 'tsx';
interface Sample {
  bootMs: number;
  rssMb: number;
  hwmMb: number;
}

const READY: Record<Kind, string> = { api: 'api listening', engine: 'lease acquired' };

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`no ${field} for pid ${pid}`);
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Starts one process, waits for its ready line, samples its memory a second later, stops it. */
async function bootOnce(kind: Kind, variant: Variant, redisUrl: string): Promise<Sample> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const args = kind === 'api' ? nodeArgs(ENTRY.api, variant === 'compiled') : nodeArgs(ENTRY.engine, variant === 'compiled', ['--symbol', 'BTC-KRW'], ENGINE_NODE_FLAGS);
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl, XT_PREFIX: `boot-${randomBytes(4).toString('hex')}`, PORT: String(port), ENGINE_ID: `boot-${variant}`, LOG_LEVEL: 'info' };
  delete env.REDIS_CLUSTER_NODES;
  delete env.XT_PARENT_LINK;
  delete env.METRICS_PORT;
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // The processes log on stderr (platform's log).
  const readyAt = await new Promise<bigint>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} (${variant}) not ready within 60 s:\n${output}`)), 60_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes(`"msg":"${READY[kind]}"`)) {
        child.stderr!.off('data', onData);
        clearTimeout(timer);
        resolve(process.hrtime.bigint());
      }
    };
    child.stderr!.on('data', onData);
    child.stdout!.resume();
    child.once('exit', (code) => reject(new Error(`${kind} (${variant}) exited ${code} before it was ready:\n${output}`)));
  });
  child.stderr!.resume();
  await new Promise((r) => setTimeout(r, 1000));
  const sample = { bootMs: Number(readyAt - started) / 1e6, rssMb: statusMb(child.pid!, 'VmRSS'), hwmMb: statusMb(child.pid!, 'VmHWM') };
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return sample;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  assertCompiled();
  const redis = await RedisServer.launch();
  const samples: Record<string, Sample[]> = {};
  try {
    for (let round = 0; round <= rounds; round++) {
      const order: Variant[] = round % 2 === 0 ? ['compiled', 'tsx'] : ['tsx', 'compiled'];
      for (const kind of ['api', 'engine'] as Kind[]) {
        for (const variant of order) {
          const s = await bootOnce(kind, variant, redis.url);
          process.stderr.write(`round ${round}${round === 0 ? ' (warm-up)' : ''} ${kind} ${variant}: ${s.bootMs.toFixed(0)} ms, RSS ${s.rssMb.toFixed(1)} MB\n`);
          if (round > 0) (samples[`${kind} ${variant}`] ??= []).push(s);
        }
      }
    }
  } finally {
    await redis.stop();
  }
  const fmt = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
  const lines = [
    `| process | run as | boot to ready, ms: median (min-max) | RSS 1 s after ready, MB | peak RSS, MB |`,
    `|---|---|---|---|---|`,
  ];
  for (const kind of ['api', 'engine'] as Kind[]) {
    for (const variant of ['compiled', 'tsx'] as Variant[]) {
      const xs = samples[`${kind} ${variant}`];
      const how = variant === 'compiled' ? `node ${compiledEntry(ENTRY[kind])}` : `node --import tsx ${ENTRY[kind]}`;
      lines.push(`| ${kind} | \`${how}\` | ${fmt(xs.map((s) => s.bootMs), 0)} | ${fmt(xs.map((s) => s.rssMb), 1)} | ${fmt(xs.map((s) => s.hwmMb), 1)} |`);
    }
    const c = samples[`${kind} compiled`];
    const t = samples[`${kind} tsx`];
    lines.push(
      `| ${kind} | compiled / tsx | ${(median(c.map((s) => s.bootMs)) / median(t.map((s) => s.bootMs))).toFixed(2)} | ${(median(c.map((s) => s.rssMb)) / median(t.map((s) => s.rssMb))).toFixed(2)} | ${(median(c.map((s) => s.hwmMb)) / median(t.map((s) => s.hwmMb))).toFixed(2)} |`,
    );
  }
  process.stdout.write(`${rounds} rounds per variant (after one warm-up round), ${new Date().toISOString().slice(0, 10)}\n\n${lines.join('\n')}\n`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
