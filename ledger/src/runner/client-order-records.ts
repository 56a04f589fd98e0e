import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '@xtrader/platform';
import { DEFAULT_CLIENT_ORDER_ID_TTL_S, DEFAULT_CLIENT_ORDER_IDS_MAX } from '@xtrader/protocol';

const SCRIPT = { lua: readFileSync(join(__dirname, 'lua', 'remember-client-orders.lua'), 'utf8') };

/** How long and how many of an account's client_order_id records are kept. */
export interface ClientOrderBounds {
  /** A record's age at most, in seconds (`LEDGER_CLIENT_ORDER_ID_TTL_S`, default {@link DEFAULT_CLIENT_ORDER_ID_TTL_S}). */
  ttlS?: number;
  /** Records per account at most, the oldest forgotten first (`LEDGER_CLIENT_ORDER_IDS_MAX`, default {@link DEFAULT_CLIENT_ORDER_IDS_MAX}). */
  max?: number;
}

type Queued = { xtRememberClientOrders(keyCount: number, ...args: (string | number)[]): unknown };

/**
 * Writes client_order_id records (the shard's, which answer retries, and a symbol's, which name
 * an order by its client_order_id), each account's kept within {@link ClientOrderBounds}: one
 * script per account, queued into the caller's MULTI (remember-client-orders.lua).
 */
export class ClientOrderRecords {
  readonly ttlS: number;
  readonly max: number;

  constructor(redis: RedisClient, bounds: ClientOrderBounds = {}) {
    if (!('xtRememberClientOrders' in redis)) redis.defineCommand('xtRememberClientOrders', SCRIPT);
    this.ttlS = bounds.ttlS ?? DEFAULT_CLIENT_ORDER_ID_TTL_S;
    this.max = bounds.max ?? DEFAULT_CLIENT_ORDER_IDS_MAX;
  }

  /** Queues the writing of `records` (key, value) of the account whose list is `listKey`, at time `nowMs`. */
  queue(tx: ChainableCommander, listKey: string, records: readonly (readonly [key: string, value: string])[], nowMs: number): void {
    (tx as unknown as Queued).xtRememberClientOrders(1 + records.length, listKey, ...records.map(([key]) => key), this.ttlS, this.max, nowMs, ...records.map(([, value]) => value));
  }
}
