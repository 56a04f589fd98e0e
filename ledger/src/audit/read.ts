import type { RedisClient } from '@xtrader/platform';
import {
  decodeStoredOrder,
  entryField,
  eventsOfEntry,
  FIELDS,
  isFinished,
  LEDGER_POSITIONS,
  ledgerShardKeys,
  symbolKeys,
} from '@xtrader/protocol';
import { loadShard } from '../runner/state-store';
import type { AuditInput, AuditOrder, AuditTrade, ShardAudit } from './checks';

/** Where the audit reads: the exchange's Redis, its key prefix, shard count and symbols. */
export interface AuditSource {
  redis: RedisClient;
  prefix: string;
  shardCount: number;
  symbols: readonly string[];
  /** The writers count settled legs (`LEDGER_RECORD_SETTLEMENTS=on`): check each trade was settled once. */
  settlements: boolean;
}

type Reply<T> = [Error | null, T][] | null;
function values<T>(reply: Reply<unknown>): T[] {
  return (reply ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as T;
  });
}

async function lastId(redis: RedisClient, stream: string): Promise<string | undefined> {
  const [entry] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return entry?.[0];
}

/**
 * What is still in flight, as sentences (empty when the exchange is quiescent): an engine behind
 * its command stream, a shard behind its commands, its outbox or a symbol's events.
 */
export async function lagging(src: AuditSource): Promise<string[]> {
  const { redis, prefix } = src;
  const out: string[] = [];
  const eventEnds = new Map<string, string | undefined>();
  for (const symbol of src.symbols) {
    const keys = symbolKeys(symbol, prefix);
    const [last, position, lastEvent] = await Promise.all([lastId(redis, keys.commands), redis.get(keys.position), lastId(redis, keys.events)]);
    if (last !== undefined && position !== last) out.push(`engine of ${symbol} is at ${position ?? 'nothing'}, its last command is ${last}`);
    eventEnds.set(symbol, lastEvent);
  }
  for (let shard = 0; shard < src.shardCount; shard++) {
    const keys = ledgerShardKeys(shard, prefix);
    const [positions, lastCommand, lastOutbox] = await Promise.all([redis.hgetall(keys.positions), lastId(redis, keys.commands), lastId(redis, keys.outbox)]);
    const behind = (input: string, end: string | undefined) => {
      if (end !== undefined && positions[input] !== end) out.push(`shard ${shard} is at ${positions[input] ?? 'nothing'} of ${input}, whose last entry is ${end}`);
    };
    behind(LEDGER_POSITIONS.commands, lastCommand);
    behind(LEDGER_POSITIONS.forwarded, lastOutbox);
    for (const [symbol, end] of eventEnds) behind(LEDGER_POSITIONS.events(symbol), end);
  }
  return out;
}

/** One shard's committed state, with its settlement counts when its writers keep them. */
export async function readShard(redis: RedisClient, prefix: string, shard: number, settlements: boolean): Promise<ShardAudit> {
  const keys = ledgerShardKeys(shard, prefix);
  const { state } = await loadShard(redis, keys);
  const counted = settlements ? await redis.hgetall(keys.settlements) : undefined;
  return {
    shard,
    balances: state.balances,
    holds: state.holds,
    transfers: state.transfers,
    fees: state.fees,
    ...(counted ? { settlements: new Map(Object.entries(counted).map(([leg, n]) => [leg, Number(n)])) } : {}),
  };
}

/** The open orders on `symbol` of the given accounts, from the engine's stored order states. */
export async function readOpenOrders(redis: RedisClient, prefix: string, symbol: string, accounts: readonly string[]): Promise<AuditOrder[]> {
  const keys = symbolKeys(symbol, prefix);
  const ids = values<string[]>(await accounts.reduce((p, a) => p.smembers(keys.accountOpen(a)), redis.pipeline()).exec());
  const all = ids.flat();
  const states = values<string | null>(await all.reduce((p, id) => p.get(keys.order(id)), redis.pipeline()).exec());
  const out: AuditOrder[] = [];
  states.forEach((text, i) => {
    if (text === null) return;
    const r = decodeStoredOrder(text);
    if (isFinished(r.status) || r.account_id === undefined) return;
    out.push({ order_id: all[i]!, account_id: r.account_id, symbol, side: r.side, type: r.type, price_ticks: r.price_ticks, qty_lots: r.qty_lots, filled: { lots: r.filled_lots, notional: BigInt(r.notional), fee: r.fee_total } });
  });
  return out;
}

/**
 * Every trade in a symbol's events stream, read in pages; `complete` when the stream was never
 * trimmed (it still has every entry ever added).
 */
export async function readTrades(redis: RedisClient, prefix: string, symbol: string): Promise<{ list: AuditTrade[]; complete: boolean }> {
  const stream = symbolKeys(symbol, prefix).events;
  const list: AuditTrade[] = [];
  let from = '-';
  for (;;) {
    const page = (await redis.xrange(stream, from, '+', 'COUNT', 1000)) as [string, string[]][];
    for (const [, fields] of page) {
      const json = entryField(fields, FIELDS.events);
      if (json === undefined) continue;
      for (const e of eventsOfEntry(json)) {
        if (e.kind !== 'trade') continue;
        const takerBuys = e.taker_side === 'Buy';
        list.push({ trade_id: e.trade_id, buyer_account_id: takerBuys ? e.taker_account_id : e.maker_account_id, seller_account_id: takerBuys ? e.maker_account_id : e.taker_account_id });
      }
    }
    if (page.length < 1000) break;
    from = `(${page[page.length - 1]![0]}`;
  }
  let complete = true;
  if ((await redis.exists(stream)) === 1) {
    const info = (await redis.call('XINFO', 'STREAM', stream)) as unknown[];
    const field = (name: string) => Number(info[info.indexOf(name) + 1]);
    complete = field('entries-added') === field('length');
  }
  return { list, complete };
}

/** Everything `auditLedger` checks, read from a quiescent exchange. */
export async function readAudit(src: AuditSource): Promise<AuditInput> {
  const shards = await Promise.all(Array.from({ length: src.shardCount }, (_, shard) => readShard(src.redis, src.prefix, shard, src.settlements)));
  const accounts = [...new Set(shards.flatMap((s) => [...s.balances.map((b) => b.account_id), ...s.holds.map((h) => h.account_id)]))];
  const openOrders = (await Promise.all(src.symbols.map((symbol) => readOpenOrders(src.redis, src.prefix, symbol, accounts)))).flat();
  if (!src.settlements) return { shardCount: src.shardCount, shards, openOrders };
  const perSymbol = await Promise.all(src.symbols.map((symbol) => readTrades(src.redis, src.prefix, symbol)));
  return { shardCount: src.shardCount, shards, openOrders, trades: { list: perSymbol.flatMap((t) => t.list), complete: perSymbol.every((t) => t.complete) } };
}
