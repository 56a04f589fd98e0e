import type { RedisClient } from '@xtrader/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { FIELDS, type Candle, type Interval, type LeaseKeys, type SymbolKeys } from '@xtrader/protocol';

const lua = (name: string) => readFileSync(join(__dirname, 'lua', `${name}.lua`), 'utf8');

/**
 * Every Lua script of the engine (each file's header lists its KEYS, ARGV and returns), defined
 * once per connection with ioredis `defineCommand`: the first call on a connection sends the
 * text, later ones only the SHA. A script with no `numberOfKeys` takes its key count first.
 */
const SCRIPTS = {
  xtAcquireLease: { numberOfKeys: 2, lua: lua('acquire-lease') },
  xtRenewLease: { numberOfKeys: 2, lua: lua('renew-lease') },
  xtReleaseLease: { numberOfKeys: 2, lua: lua('release-lease') },
  xtCheckCommit: { numberOfKeys: 3, lua: lua('check-commit') },
  xtStoreOrders: { lua: lua('store-orders') },
  xtAppendFeed: { numberOfKeys: 1, lua: lua('append-feed') },
  xtPushTrades: { numberOfKeys: 1, lua: lua('push-trades') },
  xtPutCandles: { lua: lua('put-candles') },
} as const;

type Arg = string | number;

/**
 * The most items (orders, feed messages) one script call carries: a batch's writes go out in
 * pieces of at most this many, however many a single command changed (one sweep may fill
 * hundreds of thousands of orders), so no call's argument list or argument grows with the batch.
 */
export const ITEMS_PER_CALL = 1000;

/** `items` in consecutive pieces of at most {@link ITEMS_PER_CALL}. */
export function* pieces<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += ITEMS_PER_CALL) yield items.slice(i, i + ITEMS_PER_CALL);
}
/** The defined commands, on a client (they answer) and on a MULTI (they queue). */
type Defined<R> = { [name in keyof typeof SCRIPTS]: (...args: Arg[]) => R };

/** One order state to store: its keys, its stored text (protocol `encodeStoredOrder`) and its new fills. */
export interface OrderStateWrite {
  key: string;
  fillsKey: string;
  text: string;
  /** `StoredFill` JSON texts, oldest first, at most the list's bound. */
  fills: readonly string[];
  /** How many fills the order has had in all (its list exists once this is above 0). */
  fillsTotal: number;
  finished: boolean;
}

/**
 * The engine's one way into its Lua scripts: a typed method per script that packs the script's
 * arguments. Lease calls answer; the commit's calls are queued into its MULTI.
 */
export class EngineScripts {
  private readonly redis: RedisClient & Defined<Promise<unknown>>;

  constructor(redis: RedisClient) {
    for (const [name, def] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, def);
    this.redis = redis as RedisClient & Defined<Promise<unknown>>;
  }

  /** A MULTI on this connection, into which the script calls below can be queued. */
  multi(): ChainableCommander {
    return this.redis.multi();
  }

  /** The token now held, or null when another engine holds the lease. */
  acquireLease(keys: LeaseKeys, engineId: string, ttlMs: number, previous: string): Promise<string | null> {
    return this.redis.xtAcquireLease(keys.lease, keys.fence, engineId, ttlMs, previous) as Promise<string | null>;
  }

  /** 1 when renewed (and the heartbeat written), 0 when the lease is lost. */
  renewLease(keys: LeaseKeys, token: string, ttlMs: number, heartbeat: string, heartbeatTtlMs: number): Promise<number> {
    return this.redis.xtRenewLease(keys.lease, keys.heartbeat, token, ttlMs, heartbeat, heartbeatTtlMs) as Promise<number>;
  }

  /** 1 when released, 0 when the lease was not ours any more. */
  releaseLease(keys: LeaseKeys, token: string): Promise<number> {
    return this.redis.xtReleaseLease(keys.lease, keys.heartbeat, token) as Promise<number>;
  }

  /**
   * "" when the lease carries `token` and the committed position is `start`; else the guard is
   * written (aborting the EXEC that follows) and the answer says why: "lease:<holder>" or
   * "position:<committed>".
   */
  checkCommit(keys: SymbolKeys, token: string, start: string): Promise<string> {
    return this.redis.xtCheckCommit(keys.lease, keys.leaseGuard, keys.position, token, start) as Promise<string>;
  }

  /**
   * Queues the order states and new fills of a batch (one script call per {@link ITEMS_PER_CALL}
   * orders); each fill list keeps `fillsMax`.
   */
  storeOrders(tx: ChainableCommander, orders: readonly OrderStateWrite[], finishedTtlS: number, fillsMax: number): void {
    for (const piece of pieces(orders)) {
      const keys: string[] = [];
      const texts: string[] = [];
      const counts: number[] = [];
      const fills: string[] = [];
      let finished = '';
      let trim = '';
      for (const o of piece) {
        keys.push(o.key, o.fillsKey);
        texts.push(o.text);
        counts.push(o.fills.length);
        for (const f of o.fills) fills.push(f);
        // A list that never held more than its bound needs no trim, and an order without a list
        // no expiry: a Redis call fewer per order for each.
        finished += !o.finished ? '0' : o.fillsTotal > 0 ? '2' : '1';
        trim += o.fillsTotal > fillsMax ? '1' : '0';
      }
      scripted(tx).xtStoreOrders(keys.length, ...keys, finishedTtlS, finished, texts.join('\n'), counts.join(','), fills.join('\n'), fillsMax, trim);
    }
  }

  /** Queues the feed messages (JSON texts) of a batch, one stream entry each, in order. */
  appendFeed(tx: ChainableCommander, keys: SymbolKeys, messages: readonly string[], maxLen: number): void {
    for (const piece of pieces(messages)) scripted(tx).xtAppendFeed(keys.feed, maxLen, FIELDS.message, piece.join('\n'));
  }

  /** Queues new trades (JSON texts with their sequences, oldest first) for the trade list. */
  pushTrades(tx: ChainableCommander, keys: SymbolKeys, trades: readonly { sequence: number; json: string }[], maxLen: number): void {
    if (trades.length === 0) return;
    scripted(tx).xtPushTrades(keys.trades, maxLen, trades.map((t) => t.sequence).join(','), trades.map((t) => t.json).join('\n'));
  }

  /** Queues candles by interval: each replaces its open_time's member, each set trimmed to `max`. */
  putCandles(tx: ChainableCommander, keys: SymbolKeys, series: readonly { interval: Interval; candles: readonly Candle[] }[], max: number): void {
    if (series.length === 0) return;
    const args: Arg[] = [max];
    for (const s of series) {
      args.push(s.candles.length);
      for (const c of s.candles) args.push(c.open_time, JSON.stringify(c));
    }
    scripted(tx).xtPutCandles(series.length, ...series.map((s) => keys.candles(s.interval)), ...args);
  }
}

function scripted(tx: ChainableCommander): Defined<ChainableCommander> {
  return tx as unknown as Defined<ChainableCommander>;
}
