import type { RedisClient } from '@xtrader/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import { FIELDS, type SymbolKeys } from '@xtrader/protocol';

/**
 * The api's Lua scripts (each file's header lists its KEYS, ARGV and returns), defined once
 * per connection with ioredis `defineCommand`: the first call on a connection sends the text,
 * later ones only the SHA.
 */
const SCRIPTS = {
  xtPlaceOrder: { numberOfKeys: 4, lua: readFileSync(join(__dirname, 'place-order.lua'), 'utf8') },
  xtAppendOnce: { numberOfKeys: 2, lua: readFileSync(join(__dirname, 'append-once.lua'), 'utf8') },
  xtReadOrder: { numberOfKeys: 2, lua: readFileSync(join(__dirname, 'read-order.lua'), 'utf8') },
} as const;

type Defined = { [name in keyof typeof SCRIPTS]: (...args: (string | number)[]) => Promise<unknown> };
type Queued = { [name in keyof typeof SCRIPTS]: (...args: (string | number)[]) => unknown };

/** What read-order.lua answered: null, or the state text followed by the fill list. */
export type StoredOrderReply = [state: string, ...fills: string[]] | null;

/** What place-order.lua answered. */
export type PlaceReply = [kind: 'new', streamId: string] | [kind: 'exists', none: ''];

/** One order to append: the command and the bookkeeping stored with it. */
export interface PlaceWrite {
  orderId: string;
  command: string;
  /** The ACCEPTED `StoredOrderState` JSON. */
  state: string;
  /** The owner's open-orders set and recent-orders zset on this symbol, and the zset's bound. */
  accountOpenKey: string;
  accountOrdersKey: string;
  accountOrdersMax: number;
}

/** The api's one way into its Lua scripts: a typed method per script that packs its arguments. */
export class ApiScripts {
  private readonly redis: RedisClient & Defined;

  constructor(redis: RedisClient) {
    for (const [name, def] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, def);
    this.redis = redis as RedisClient & Defined;
  }

  /** Queues the append of a place command with its ACCEPTED state, atomically, unless the order is stored already (reply: {@link PlaceReply}). */
  placeOrder(p: ChainableCommander, keys: SymbolKeys, w: PlaceWrite): void {
    (p as unknown as Queued).xtPlaceOrder(keys.commands, keys.order(w.orderId), w.accountOpenKey, w.accountOrdersKey, FIELDS.command, w.command, w.state, w.orderId, w.accountOrdersMax);
  }

  /** Queues a read of an order's state and fill list (one reply: {@link StoredOrderReply}). */
  readOrder(p: ChainableCommander, keys: SymbolKeys, orderId: string): void {
    (p as unknown as Queued).xtReadOrder(keys.order(orderId), keys.orderFills(orderId));
  }

  /**
   * Queues the append of `command` to `stream` unless `marker` is set, and sets it (for `ttlS`
   * seconds): a command forwarded twice is appended once. Reply: the stream id, or null when it
   * was appended before.
   */
  appendOnce(p: ChainableCommander, stream: string, marker: string, command: string, ttlS: number): void {
    (p as unknown as Queued).xtAppendOnce(stream, marker, FIELDS.command, command, ttlS);
  }
}
