/**
 * `npm run ledger:audit [-- --wait <seconds>]`: checks the whole exchange's ledger (every shard,
 * every symbol's open orders) on the Redis of `REDIS_URL` (or the cluster of
 * `REDIS_CLUSTER_NODES`) under `XT_PREFIX`, with the shard count and settings the writers use
 * (`XT_LEDGER_SHARDS`, `LEDGER_RECORD_SETTLEMENTS`). The checks hold on a quiescent exchange only;
 * with `--wait` it waits up to that long for one (stop order entry first), otherwise it says what
 * is in flight and exits 3. Exit 0: every check passed; 1: one failed (the output names what
 * differs).
 */
import { parseArgs } from 'node:util';
import { createRedis, readEnv, redisTarget, waitFor } from '@xtrader/platform';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { LedgerEnv } from '../env';
import { auditLedger, formatAudit } from './checks';
import { lagging, readAudit, type AuditSource } from './read';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { wait: { type: 'string', default: '0' } } });
  const waitS = Number(values.wait);
  if (!Number.isFinite(waitS) || waitS < 0) {
    console.error(`--wait must be a number of seconds, got ${values.wait}`);
    return 2;
  }
  const env = readEnv(LedgerEnv);
  const config = loadExchangeConfig(env.XT_SYMBOLS_FILE);
  const redis = createRedis(redisTarget(env), 'ledger-audit');
  try {
    const src: AuditSource = { redis, prefix: env.XT_PREFIX, shardCount: env.XT_LEDGER_SHARDS, symbols: config.markets.map((m) => m.symbol), settlements: env.LEDGER_RECORD_SETTLEMENTS === 'on' };
    let inFlight = await lagging(src);
    if (inFlight.length > 0 && waitS > 0) {
      await waitFor('a quiescent exchange', async () => (inFlight = await lagging(src)).length === 0, { timeoutMs: waitS * 1000, intervalMs: 200 }).catch(() => undefined);
    }
    if (inFlight.length > 0) {
      console.log(`not quiescent, the checks would not hold yet:\n  ${inFlight.join('\n  ')}`);
      return 3;
    }
    const report = auditLedger(config, await readAudit(src));
    console.log(formatAudit(report));
    return report.ok ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
