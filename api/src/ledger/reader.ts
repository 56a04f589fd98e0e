import type { RedisClient } from '@xtrader/platform';
import { accountShard, balanceField, balanceView, decodeBalance, formatAssetAmount, ledgerShardKeys, type AssetSpec, type Balance } from '@xtrader/protocol';

/** Reads what the ledger shards committed: balances of one account, fees over every shard. */
export class LedgerReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly shardCount: number,
    private readonly assets: ReadonlyMap<string, AssetSpec>,
  ) {}

  /** The account's committed balance of each of `assets` (in that order), zero where it has none. */
  async balances(accountId: string, assets: readonly string[]): Promise<Balance[]> {
    const keys = ledgerShardKeys(accountShard(accountId, this.shardCount), this.prefix);
    const fields = assets.map((asset) => balanceField(accountId, asset));
    const values = fields.length === 0 ? [] : await this.redis.hmget(keys.balances, ...fields);
    return assets.map((name, i) => {
      const spec = this.assets.get(name);
      if (!spec) throw new Error(`asset ${name} is not in the config`);
      const value = values[i];
      const b = value ? decodeBalance(fields[i]!, value) : { available: 0n, locked: 0n };
      return balanceView(spec, b.available, b.locked);
    });
  }

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
