import type { RedisClient } from '@xtrader/platform';
import { compareStreamIds, LEDGER_POSITIONS, ledgerShardKeys, type SymbolKeys } from '@xtrader/protocol';

/**
 * The id of the last entry of `symbol`'s events that every ledger shard has applied, or undefined
 * while any shard has applied none. Each shard's position lives in its own slot: plain reads, one
 * each, no transaction (a position only grows, so a stale read only trims less).
 */
export async function slowestLedgerPosition(redis: RedisClient, prefix: string, symbol: string, shardCount: number): Promise<string | undefined> {
  const field = LEDGER_POSITIONS.events(symbol);
  const positions = await Promise.all(Array.from({ length: shardCount }, (_, shard) => redis.hget(ledgerShardKeys(shard, prefix).positions, field)));
  let slowest: string | undefined;
  for (const p of positions) {
    if (p === null) return undefined;
    if (slowest === undefined || compareStreamIds(p, slowest) < 0) slowest = p;
  }
  return slowest;
}

/**
 * Trims the symbol's events stream to what every ledger shard has applied and the engine's own
 * retention lets go: entries before both the slowest shard's position and `retainFrom` go, the
 * rest stay (settlement reads on from that position). Nothing is trimmed while a shard has no
 * position. Returns the entries removed.
 */
export async function trimEventsBehindLedger(redis: RedisClient, keys: SymbolKeys, prefix: string, symbol: string, shardCount: number, retainFrom?: string): Promise<number> {
  // The engine's own retention keeps `retainFrom` and later (everything when undefined); the
  // ledger keeps its slowest shard's position and later. What either keeps stays.
  if (retainFrom === undefined) return 0;
  let from = retainFrom;
  if (shardCount > 0) {
    const slowest = await slowestLedgerPosition(redis, prefix, symbol, shardCount);
    if (slowest === undefined) return 0;
    if (compareStreamIds(slowest, from) < 0) from = slowest;
  }
  return redis.xtrim(keys.events, 'MINID', from);
}
