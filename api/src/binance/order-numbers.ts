import type { RedisClient } from '@xtrader/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { symbolKeys, XtError, type SymbolKeys } from '@xtrader/protocol';

/**
 * How long an order's number records (order -> number, number -> order id) live: renewed whenever
 * an open order is shown, and longer than a finished order's state is kept, so every order a
 * client can still see resolves by number.
 */
export const ORDER_NUMBER_TTL_S = 30 * 86_400;

const ASSIGN = { numberOfKeys: 3, lua: readFileSync(join(__dirname, 'assign-number.lua'), 'utf8') };
type WithAssign = RedisClient & { xtAssignOrderNumber(...args: (string | number)[]): Promise<number | null> };

async function durable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${(e as Error).message}); retry`);
  }
}

/**
 * Binance clients name orders by an integer `orderId`; our order ids are strings. Each order gets a
 * per-symbol integer the first time a Binance answer shows it (at once when placed through
 * `/api/v3`, on first sight for one placed through `/api/v1`): a number reserved from the symbol's
 * counter and stored beside the order's state (`keys.orderNumber`), with a number -> id record. Numbers
 * grow with the time they were given, never repeat within a symbol, and may skip (a reservation
 * lost to a concurrent assignment is left unused).
 */
export class OrderNumbers {
  private readonly redis: WithAssign;
  private readonly keys = new Map<string, SymbolKeys>();

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!('xtAssignOrderNumber' in redis)) redis.defineCommand('xtAssignOrderNumber', ASSIGN);
    this.redis = redis as WithAssign;
  }

  private keysOf(symbol: string): SymbolKeys {
    let k = this.keys.get(symbol);
    if (!k) this.keys.set(symbol, (k = symbolKeys(symbol, this.prefix)));
    return k;
  }

  /** The numbers of `orderIds` (all of one symbol), assigning the missing ones; undefined for an order that is gone. */
  async numbersOf(symbol: string, orderIds: readonly string[], openIds: ReadonlySet<string> = new Set()): Promise<(number | undefined)[]> {
    if (orderIds.length === 0) return [];
    const k = this.keysOf(symbol);
    const p = this.redis.pipeline();
    for (const id of orderIds) p.get(k.orderNumber(id));
    const replies = await durable(async () => (await p.exec()) ?? []);
    const out: (number | undefined)[] = [];
    const renew = this.redis.pipeline();
    for (let i = 0; i < orderIds.length; i++) {
      const [err, value] = replies[i];
      if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
      if (value !== null) {
        const n = Number(value);
        out.push(n);
        if (openIds.has(orderIds[i])) renew.expire(k.orderNumber(orderIds[i]), ORDER_NUMBER_TTL_S).expire(k.orderByNumber(n), ORDER_NUMBER_TTL_S);
      } else {
        out.push(await this.assign(symbol, orderIds[i]));
      }
    }
    if (renew.length > 0) await durable(() => renew.exec());
    return out;
  }

  async numberOf(symbol: string, orderId: string, open = false): Promise<number | undefined> {
    return (await this.numbersOf(symbol, [orderId], open ? new Set([orderId]) : undefined))[0];
  }

  private async assign(symbol: string, orderId: string): Promise<number | undefined> {
    const k = this.keysOf(symbol);
    const reserved = await durable(() => this.redis.incr(k.orderNumberSeq));
    const n = await durable(() => this.redis.xtAssignOrderNumber(k.order(orderId), k.orderNumber(orderId), k.orderByNumber(reserved), reserved, orderId, ORDER_NUMBER_TTL_S));
    return n === null ? undefined : Number(n);
  }

  /** The order id an order number names on `symbol`, if any. */
  async orderIdOf(symbol: string, n: number): Promise<string | undefined> {
    return (await durable(() => this.redis.get(this.keysOf(symbol).orderByNumber(n)))) ?? undefined;
  }
}
