import { createLogger, waitFor } from '@xtrader/platform';
import type { ExchangeConfig } from '@xtrader/protocol';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { ShardWriter } from '../../../ledger/src/runner/shard-writer';

/** One in-process ledger writer per shard on a test's Redis, each leading its shard. */
export class LedgerWriters {
  readonly writers: ShardWriter[];

  constructor(redisUrl: string, prefix: string, readonly shardCount: number, config: ExchangeConfig = loadExchangeConfig(), opts: { blockMs?: number } = {}) {
    const log = createLogger('test-ledger', 'silent');
    this.writers = Array.from(
      { length: shardCount },
      (_, shard) => new ShardWriter({ redisUrl, prefix, shard, shardCount, writerId: `test-ledger-${shard}`, config, log, leaseMs: 1500, blockMs: opts.blockMs ?? 20 }),
    );
  }

  start(): void {
    for (const w of this.writers) w.start();
  }

  /** Resolves once every shard has its writer leading (lease taken, state loaded). */
  whenLeading(): Promise<true> {
    return waitFor('every ledger shard to have its writer', () => this.writers.every((w) => w.active), { intervalMs: 10 });
  }

  async stop(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.stop()));
  }
}
