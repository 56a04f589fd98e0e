import type { RedisClient } from '@xtrader/platform';
import type { ChainableCommander } from 'ioredis';
import {
  balanceField,
  decodeBalance,
  encodeBalance,
  LEDGER_POSITIONS,
  StoredHold,
  StoredTransfer,
  type LedgerShardKeys,
} from '@xtrader/protocol';
import type { Hold, LedgerChanges, LedgerState, TransferAnswer } from '../core';

/**
 * A shard's committed state in Redis: the hashes of its keys are the state (every commit writes
 * what changed), so a new writer loads them and carries on; nothing is replayed.
 */

export function holdRecord(h: Hold): StoredHold {
  return {
    order_id: h.order_id,
    account_id: h.account_id,
    symbol: h.symbol,
    asset: h.asset,
    amount: h.amount.toString(),
    locked: h.locked.toString(),
    price_ticks: h.price_ticks,
    qty_lots: h.qty_lots,
    filled_lots: h.filled_lots,
    command: h.command,
  };
}

export function holdOfRecord(r: StoredHold): Hold {
  return { ...r, amount: BigInt(r.amount), locked: BigInt(r.locked) };
}

export function transferRecord(t: TransferAnswer): StoredTransfer {
  return { kind: t.kind, tx_id: t.tx_id, account_id: t.account_id, asset: t.asset, amount: t.amount.toString(), available: t.available.toString(), locked: t.locked.toString() };
}

export function transferOfRecord(r: StoredTransfer): TransferAnswer {
  return { ok: true, kind: r.kind, tx_id: r.tx_id, account_id: r.account_id, asset: r.asset, amount: BigInt(r.amount), available: BigInt(r.available), locked: BigInt(r.locked) };
}

/** The shard's ledger state and its stream positions (`positions` hash fields -> stream ids). */
export interface StoredShard {
  state: LedgerState;
  streamPositions: Map<string, string>;
}

const SEQ_PREFIX = LEDGER_POSITIONS.seq('');

/** Reads a shard's whole committed state (throws on a malformed record: never guesses money). */
export async function loadShard(redis: RedisClient, keys: LedgerShardKeys): Promise<StoredShard> {
  const [balances, holds, transfers, fees, positions] = (await redis
    .multi()
    .hgetall(keys.balances)
    .hgetall(keys.holds)
    .hgetall(keys.transfers)
    .hgetall(keys.fees)
    .hgetall(keys.positions)
    .exec())!.map(([err, value]) => {
    if (err) throw err;
    return value as Record<string, string>;
  });
  const state: LedgerState = {
    balances: Object.entries(balances).map(([field, value]) => decodeBalance(field, value)),
    holds: Object.values(holds).map((json) => holdOfRecord(StoredHold.parse(JSON.parse(json)))),
    transfers: Object.values(transfers).map((json) => transferOfRecord(StoredTransfer.parse(JSON.parse(json)))),
    fees: Object.entries(fees).map(([asset, total]) => ({ asset, total: BigInt(total) })),
    positions: [],
  };
  const streamPositions = new Map<string, string>();
  for (const [field, value] of Object.entries(positions)) {
    if (field.startsWith(SEQ_PREFIX)) state.positions.push({ symbol: field.slice(SEQ_PREFIX.length), seq: Number(value) });
    else streamPositions.set(field, value);
  }
  return { state, streamPositions };
}

/**
 * Queues the writes of one batch's ledger changes into a commit; with `recordSettlements`, also
 * counts each settled trade leg in `keys.settlements` (in the same commit, so a leg applied twice
 * through a crash would show as 2).
 */
export function queueChanges(tx: ChainableCommander, keys: LedgerShardKeys, c: LedgerChanges, recordSettlements = false): void {
  if (c.balances.length > 0) tx.hset(keys.balances, ...c.balances.flatMap((b) => [balanceField(b.account_id, b.asset), encodeBalance(b.available, b.locked)]));
  if (c.holds.length > 0) tx.hset(keys.holds, ...c.holds.flatMap((h) => [h.order_id, JSON.stringify(holdRecord(h))]));
  if (c.endedHolds.length > 0) tx.hdel(keys.holds, ...c.endedHolds);
  if (c.transfers.length > 0) tx.hset(keys.transfers, ...c.transfers.flatMap((t) => [t.tx_id, JSON.stringify(transferRecord(t))]));
  if (c.fees.length > 0) tx.hset(keys.fees, ...c.fees.flatMap((f) => [f.asset, f.total.toString()]));
  if (c.positions.length > 0) tx.hset(keys.positions, ...c.positions.flatMap((p) => [LEDGER_POSITIONS.seq(p.symbol), String(p.seq)]));
  if (recordSettlements) for (const leg of c.settled) tx.hincrby(keys.settlements, leg, 1);
}
