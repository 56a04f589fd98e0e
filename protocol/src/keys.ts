import { z } from 'zod';

/**
 * The keyspace: every Redis key, stream, stream field and channel name, every realtime topic
 * name, the stream-id helpers and the heartbeat record, in one place (like bullmq's
 * queue-keys). Lua scripts get field names from here as arguments, never as their own literals.
 *
 * Per-symbol names carry the `{SYMBOL}` hash tag so that a Redis Cluster keeps all of a symbol's
 * keys in one slot: the engine's commit touches several of them atomically. `prefix` lets tests
 * and several exchanges share one Redis without seeing each other.
 */
export const DEFAULT_PREFIX = 'xt';

export function symbolKeys(symbol: string, prefix: string = DEFAULT_PREFIX) {
  const base = `${prefix}:{${symbol}}`;
  return {
    /** Stream of commands (place, cancel, clock) appended by api nodes and the clock job; field {@link FIELDS.command}. */
    commands: `${base}:commands`,
    /** Stream of engine events, the audit trail: one entry per batch, fields {@link FIELDS}`.first/last/events`. */
    events: `${base}:events`,
    /** Stream of realtime messages that realtime nodes deliver to subscribers; field {@link FIELDS.message}. */
    feed: `${base}:feed`,
    /** The engine lease: value is `<fence>:<engine id>`, with a TTL. */
    lease: `${base}:lease`,
    /**
     * Watched with the lease by every commit; written (with a TTL) only by the commit's lease
     * check when the lease is not the committer's, which aborts that commit's EXEC.
     */
    leaseGuard: `${base}:lease:guard`,
    /** Counter bumped on every lease acquisition; every commit checks it (fencing token). */
    fence: `${base}:fence`,
    /** Id of the last command whose effects are committed. */
    position: `${base}:position`,
    /**
     * Commands the engine skipped after they failed on every try (`ENGINE_POISON_TRIES`): hash of
     * command id -> the error. Written in the commit that skips one, read by recovery so replay
     * skips the same commands, emptied by each snapshot (which already reflects them).
     */
    skipped: `${base}:skipped`,
    /**
     * Latest engine snapshot (book + market data state + position), JSON: whole (format 4), or,
     * for a deep book, the rest with where its pieces are (format 5, `engine/src/runner/snapshot-pieces.ts`).
     */
    snapshot: `${base}:snapshot`,
    /** The pieces of one format 5 snapshot: a list, one JSON piece an element (`generation`: `<fence>-<position>`). */
    snapshotPieces: (generation: string) => `${base}:snapshot:${generation}`,
    /**
     * Ids of finished orders, newest first (list, written by the engine): trimmed to
     * `ENGINE_FINISHED_MAX`, each id trimmed with its order state and fills.
     */
    finished: `${base}:finished`,
    /** Per-order state, readable by any api node: one string (protocol `encodeStoredOrder`). */
    order: (orderId: string) => `${base}:order:${orderId}`,
    /** Set (with a TTL) when a ledger shard forwarded the amend `requestId`: a second forward appends nothing. */
    amendForwarded: (requestId: string) => `${base}:amend:${requestId}`,
    /**
     * An order's most recent fills, oldest first (list of `StoredFill` JSON, at most
     * `ENGINE_ORDER_FILLS_MAX`): appended by the engine as they happen, never rewritten.
     */
    orderFills: (orderId: string) => `${base}:order:${orderId}:fills`,
    /** The integer order number the Binance dialect shows for an order, once one is assigned. */
    orderNumber: (orderId: string) => `${base}:order:${orderId}:number`,
    /** client_order_id -> first answer, for idempotent retries. */
    clientOrder: (accountId: string, clientOrderId: string) => `${base}:coid:${accountId}:${clientOrderId}`,
    /** The account's client_order_id records on this symbol, oldest first (list of `<ms> <record key>`): their count bound. */
    clientOrders: (accountId: string) => `${base}:coids:${accountId}`,
    /** An account's open orders on this symbol (set of ids; the place script adds, the engine removes). */
    accountOpen: (accountId: string) => `${base}:acct:${accountId}:open`,
    /** An account's recent orders on this symbol (zset of ids scored by creation ms, bounded). */
    accountOrders: (accountId: string) => `${base}:acct:${accountId}:orders`,
    /** An account's recent fills on this symbol, newest first (list of `AccountTradeRecord` JSON, bounded). */
    accountTrades: (accountId: string) => `${base}:acct:${accountId}:trades`,
    /** Pub/sub channel on which the engine announces committed order outcomes. */
    outcomes: `${base}:outcomes`,
    /** Market data kept by the engine for REST readers. */
    trades: `${base}:trades`,
    candles: (interval: string) => `${base}:candles:${interval}`,
    stats: `${base}:stats`,
    depth: `${base}:depth`,
    /** A {@link Heartbeat}, set by the running engine with a TTL: readiness for /readyz. */
    heartbeat: `${base}:heartbeat`,
    /** Counter of the integer order numbers the Binance dialect shows (`orderId`), per symbol. */
    orderNumberSeq: `${base}:onum:seq`,
    /** order number -> order id, for Binance clients that name an order by its `orderId`. */
    orderByNumber: (n: number) => `${base}:onum:${n}`,
  };
}
export type SymbolKeys = ReturnType<typeof symbolKeys>;

/**
 * How long a client_order_id is remembered for retries (by its ledger shard and on its symbol)
 * unless `LEDGER_CLIENT_ORDER_ID_TTL_S` says otherwise.
 */
export const DEFAULT_CLIENT_ORDER_ID_TTL_S = 86_400;
/**
 * How many client_order_id records an account keeps at most (on its ledger shard, and on each
 * symbol) unless `LEDGER_CLIENT_ORDER_IDS_MAX` says otherwise: the oldest are forgotten first.
 */
export const DEFAULT_CLIENT_ORDER_IDS_MAX = 100_000;

/** Default bounds of an account's per-symbol history: recent orders (api) and fills (engine). */
export const DEFAULT_ACCOUNT_ORDERS_MAX = 1000;
export const DEFAULT_ACCOUNT_TRADES_MAX = 1000;
/** Default bound of an order's stored fill list (`ENGINE_ORDER_FILLS_MAX`): its most recent fills. */
export const DEFAULT_ORDER_FILLS_MAX = 100;

export function globalKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** BullMQ queue name (BullMQ adds its own `prefix:`) of the clock job scheduler. */
    clockQueue: 'clock',
    // One hash tag: BullMQ's scripts touch several of a queue's keys, which a cluster needs in one slot.
    bullPrefix: `{${prefix}:bull}`,
  };
}

/** Field names of stream entries. */
export const FIELDS = {
  /** Command stream: the `StreamCommand` JSON. */
  command: 'c',
  /** Feed stream: the `MarketMessage` JSON. */
  message: 'm',
  /** Events stream: id of the batch's first command. */
  first: 'first',
  /** Events stream: id of the batch's last command. */
  last: 'last',
  /** Events stream: the batch's events, `[[command id, compact event...]...]`. */
  events: 'e',
} as const;

/** The value of `name` in a stream entry's `[field, value, ...]` list. */
export function entryField(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The realtime channels a client subscribes to (`Channel` in realtime.ts). */
export const CHANNELS = ['executions', 'orderbook', 'statistics', 'candles'] as const;
type Channel = (typeof CHANNELS)[number];

/** The realtime topic of a channel other than candles: `{channel}:{symbol}`. */
export function channelTopic(channel: Exclude<Channel, 'candles'>, symbol: string): string {
  return `${channel}:${symbol}`;
}

/** The realtime topic of one candle interval: `candles:{symbol}_{interval}`. */
export function candleTopic(symbol: string, interval: string): string {
  return `candles:${symbol}_${interval}`;
}

/**
 * The socket.io room of one account's private messages. Through the sharded Redis adapter each
 * such room is its own shard channel, which a realtime node subscribes to only while the account
 * has a connection there.
 */
export function accountRoom(accountId: string): string {
  return `account:${accountId}`;
}

/** The account of an {@link accountRoom}, or undefined for any other room. */
export function accountOfRoom(room: string): string | undefined {
  return room.startsWith('account:') ? room.slice('account:'.length) : undefined;
}

/** The prefix of the sharded socket.io adapter's channels: realtime nodes and emitters must agree. */
export function socketIoChannelPrefix(prefix: string = DEFAULT_PREFIX): string {
  return `${prefix}#socket.io`;
}

/** The channel of a topic. */
export function channelOfTopic(topic: string): Channel {
  return topic.slice(0, topic.indexOf(':')) as Channel;
}

/** The symbol a topic belongs to (`orderbook:BTC-KRW` -> BTC-KRW, `candles:BTC-KRW_5m` -> BTC-KRW). */
export function symbolOfTopic(topic: string): string {
  const rest = topic.slice(topic.indexOf(':') + 1);
  return topic.startsWith('candles:') ? rest.slice(0, rest.lastIndexOf('_')) : rest;
}

/** The milliseconds part of a stream id (`<ms>-<seq>`): when Redis appended the entry. */
export function streamIdTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/**
 * Orders two stream ids (`<ms>-<seq>`, or `<ms>`): -1, 0 or 1. Exact for any id: each part is
 * compared as a decimal integer (length first, then digits), never as a double.
 */
export function compareStreamIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ms = compareDigits(da < 0 ? a : a.slice(0, da), db < 0 ? b : b.slice(0, db));
  return ms !== 0 ? ms : compareDigits(da < 0 ? '0' : a.slice(da + 1), db < 0 ? '0' : b.slice(db + 1));
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** What the engine holding a symbol's lease keeps in `keys.heartbeat` (with a TTL). */
export const Heartbeat = z.object({
  engine_id: z.string(),
  /** Fence number of the lease it holds. */
  fence: z.number().int().optional(),
  /** The committed position. */
  position: z.string().optional(),
  /** When it was written (ms since epoch). */
  ts: z.number(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/**
 * Accounts, sessions and API keys. Each record is one key of its own (its own cluster slot): every
 * write touches one key, and where two records change together (signup, creating a key) the one
 * readers start from is written last, so a crash between the two leaves nothing reachable.
 */
export function accountKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** username -> `{account_id, salt, hash, created_at}` (the login record; SET NX claims a name). */
    user: (username: string) => `${prefix}:user:${username}`,
    /** account id -> `{account_id, username, created_at}`. */
    account: (accountId: string) => `${prefix}:account:${accountId}`,
    /** sha256 of a session token -> `{account_id, username, expires_at}`, with the session's TTL. */
    session: (tokenHash: string) => `${prefix}:session:${tokenHash}`,
    /** API key -> `{account_id, username, secret, label, scopes, created_at}`. */
    apiKey: (apiKey: string) => `${prefix}:apikey:${apiKey}`,
    /** Set of an account's API keys (for listing). */
    apiKeysOf: (accountId: string) => `${prefix}:account:${accountId}:apikeys`,
    /** Key prefix of rate-limiter-flexible's counters (one key per limiter and client). */
    rateLimit: (limiter: string) => `${prefix}:rl:${limiter}`,
  };
}
export type AccountKeys = ReturnType<typeof accountKeys>;

/**
 * One ledger shard's keys (the shard of an account: `accountShard` in `ledger.ts`). They share
 * the `{ledger-N}` hash tag, so a shard is one cluster slot: its writer's commit (balances, holds,
 * positions, outbox) is atomic, and never spans a symbol's slot.
 */
export function ledgerShardKeys(shard: number, prefix: string = DEFAULT_PREFIX) {
  const base = `${prefix}:{ledger-${shard}}`;
  return {
    /** Stream of `LedgerRequest`s (locks, transfers) appended by api nodes; field {@link FIELDS.command}. */
    commands: `${base}:commands`,
    /** Hash `balanceField(account, asset)` -> `encodeBalance(available, locked)`. */
    balances: `${base}:balances`,
    /** Hash order id -> `StoredHold` JSON: what each live order still locks. */
    holds: `${base}:holds`,
    /** Hash tx id -> `StoredTransfer` JSON: the first answer of each applied deposit or withdrawal. */
    transfers: `${base}:transfers`,
    /** Hash asset -> fee units collected by this shard (integer string). */
    fees: `${base}:fees`,
    /** Hash of input positions, fields from {@link LEDGER_POSITIONS}. */
    positions: `${base}:positions`,
    /**
     * Hash trade leg (`<trade_id>:Buy|Sell`) -> times this shard settled it, counted in the commit
     * that settles it; kept only with `LEDGER_RECORD_SETTLEMENTS=on` (crash drills, audits).
     */
    settlements: `${base}:settlements`,
    /** Stream of `OutboxEntry`s: granted orders' place and amend commands, forwarded to their symbols' command streams. */
    outbox: `${base}:outbox`,
    /** `StoredClientOrder` JSON (with a TTL): the first granted place of an account's client_order_id on a symbol. */
    clientOrder: (accountId: string, symbol: string, clientOrderId: string) => `${base}:coid:${accountId}:${symbol}:${clientOrderId}`,
    /** The account's client_order_id records on this shard, oldest first (list of `<ms> <record key>`): their count bound. */
    clientOrders: (accountId: string) => `${base}:coids:${accountId}`,
    /** Pub/sub channel of `LedgerAnswer`s for the api nodes waiting on their requests. */
    answers: `${base}:answers`,
    /** Hash account id -> the last `account_sequence` given to one of its private messages. */
    accountSequences: `${base}:account-seq`,
    /** Hash order id -> an open order of the shard's accounts as its private feed follows it (JSON). */
    privateOrders: `${base}:private-orders`,
    /** The writer lease `<fence>:<writer id>` (TTL), its guard, fence counter and heartbeat, as the engines'. */
    lease: `${base}:lease`,
    leaseGuard: `${base}:lease:guard`,
    fence: `${base}:fence`,
    heartbeat: `${base}:heartbeat`,
  };
}
export type LedgerShardKeys = ReturnType<typeof ledgerShardKeys>;

/**
 * Keys of the deposits and withdrawals outside the shards. A tx id's claim is a key of its own
 * (its own slot): a tx id names one transfer across every shard, whichever account it is for.
 */
export function transferKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    /** tx id -> the `TransferClaim` of the first request that used it (SET NX). */
    claim: (txId: string) => `${prefix}:tx:${txId}`,
  };
}

/** Field names of a ledger shard's `positions` hash. */
export const LEDGER_POSITIONS = {
  /** Id of the last command-stream entry applied. */
  commands: 'commands',
  /** Id of the last outbox entry forwarded to its symbol's command stream. */
  forwarded: 'forwarded',
  /** Id of the last entry of a symbol's events stream applied. */
  events: (symbol: string) => `events:${symbol}`,
  /** Sequence of the last event of a symbol applied (the ledger core's own apply-once position). */
  seq: (symbol: string) => `seq:${symbol}`,
} as const;

/** The keys a lease needs (an engine's symbol keys and a ledger shard's keys both have them). */
export type LeaseKeys = Pick<SymbolKeys, 'lease' | 'leaseGuard' | 'fence' | 'heartbeat'>;
