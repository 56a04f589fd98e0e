/**
 * The ledger writer process: one lease-fenced `ShardWriter` per account shard it serves
 * (`LEDGER_SHARDS_HERE`, default every shard of `XT_LEDGER_SHARDS`). Several processes may serve
 * the same shards: for each shard one leads, the others wait for its lease. Each writer also
 * publishes its accounts' private messages (orders, fills, balances) once committed.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLogger, durabilityOf, onShutdown, readEnv, redisTarget, serveMetrics } from '@xtrader/platform';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { PrivateEmitter } from '@xtrader/realtime';
import { LedgerEnv } from './env';
import { LedgerMetrics } from './runner/metrics';
import { ShardWriter } from './runner/shard-writer';

function main(): void {
  const env = readEnv(LedgerEnv);
  const log = createLogger('ledger', env.LOG_LEVEL);
  const config = loadExchangeConfig(env.XT_SYMBOLS_FILE);
  const shards = env.LEDGER_SHARDS_HERE ? env.LEDGER_SHARDS_HERE.split(',').map(Number) : Array.from({ length: env.XT_LEDGER_SHARDS }, (_, i) => i);
  const bad = shards.filter((s) => s >= env.XT_LEDGER_SHARDS);
  if (bad.length > 0) {
    log.error('shards out of range', { bad, shardCount: env.XT_LEDGER_SHARDS });
    process.exit(2);
  }
  // The shard's accounts' private messages go to the realtime nodes where those accounts are connected.
  const emitter = new PrivateEmitter(redisTarget(env), env.XT_PREFIX);
  const writerId = env.LEDGER_WRITER_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const metrics = new LedgerMetrics();
  const writers = shards.map(
    (shard) =>
      new ShardWriter({
        redisUrl: redisTarget(env),
        prefix: env.XT_PREFIX,
        shard,
        shardCount: env.XT_LEDGER_SHARDS,
        writerId,
        config,
        log,
        leaseMs: env.LEDGER_LEASE_MS,
        batchSize: env.LEDGER_BATCH_SIZE,
        blockMs: env.LEDGER_BLOCK_MS,
        sink: emitter,
        recordSettlements: env.LEDGER_RECORD_SETTLEMENTS === 'on',
        metrics,
        clientOrderIds: { ttlS: env.LEDGER_CLIENT_ORDER_ID_TTL_S, max: env.LEDGER_CLIENT_ORDER_IDS_MAX },
        durability: durabilityOf(env),
      }),
  );
  const server = env.METRICS_PORT !== undefined ? serveMetrics(metrics.registry, env.METRICS_PORT) : undefined;
  onShutdown(log, async () => {
    await Promise.all(writers.map((w) => w.stop()));
    await emitter.close();
    server?.close();
  });
  for (const w of writers) w.start();
  log.info('ledger started', { writerId, shards, shardCount: env.XT_LEDGER_SHARDS, metricsPort: env.METRICS_PORT ?? null });
}

main();
