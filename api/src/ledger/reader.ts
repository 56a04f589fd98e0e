import type Redis from 'ioredis';
import { formatAssetAmount, ledgerShardKeys, type AssetSpec } from '@xtrader/protocol';

/** Reads what the ledger shards committed: balances of one account, fees over every shard. */
export class LedgerReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly shardCount: number,
    private readonly assets: ReadonlyMap<string, AssetSpec>,
  ) {}

  /** Fees per asset (every asset, zeros included) summed over the shards, as decimals. */
  async fees(): Promise<{ asset: string; amount: string }[]> {
    // One read per shard: the shards are different slots.
    const shards = await Promise.all(Array.from({ length: this.shardCount }, (_, shard) => this.redis.hgetall(ledgerShardKeys(shard, this.prefix).fees)));
    return [...this.assets.values()].map((asset) => {
      const units = shards.reduce((sum, fees) => sum + BigInt(fees[asset.asset] ?? '0'), 0n);
      return { asset: asset.asset, amount: formatAssetAmount(asset, units) };
    });
  }
}
