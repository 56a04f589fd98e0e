import { pipelineEach, type RedisClient } from '@xtrader/platform';
import {
  isFinished,
  isXtError,
  FIELDS,
  readOwnedOrder,
  renderAccountTrade,
  DEFAULT_ACCOUNT_ORDERS_MAX,
  symbolKeys,
  symbolOfOrderId,
  XtError,
  type CancelAllCommand,
  type CancelCommand,
  type MyTrade,
  type MarketSpec,
  type OrderView,
  type PlaceOrderAccepted,
  type SymbolKeys,
} from '@xtrader/protocol';
import { ApiScripts, type StoredOrderReply } from './scripts';

/** ioredis's refusal to send while disconnected: the command never left this process. */
const NOT_SENT = /enableOfflineQueue options is false/;

/**
 * Runs a Redis call; any failure that is not a business error means Redis is unavailable. A read
 * changed nothing; a write that was sent and lost its reply (the connection closed first) may or
 * may not have run, and `unknown` says what the client should do about that.
 */
/** The view and owner of what read-order.lua answered (undefined when the order is not stored). */
function ownedOrderOf(spec: MarketSpec, reply: StoredOrderReply) {
  return reply === null ? undefined : readOwnedOrder(spec, reply[0], reply.slice(1));
}

export async function durable<T>(fn: () => Promise<T>, unknown?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isXtError(e)) throw e;
    const why = (e as Error).message;
    const outcome = unknown === undefined || NOT_SENT.test(why) ? 'nothing was changed, retry' : unknown;
    throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${why}); ${outcome}`);
  }
}

/**
 * The api's side of the order path in Redis: appending cancels and reading stored order states
 * (places and amends go through the ledger, `LedgerOrders`). Holds no state of its own.
 */
export class OrderStore {
  private readonly scripts: ApiScripts;
  private readonly keys = new Map<string, SymbolKeys>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly markets: ReadonlyMap<string, MarketSpec>,
    /** Recent orders kept per account and symbol for `GET /orders`. */
    readonly accountOrdersMax: number = DEFAULT_ACCOUNT_ORDERS_MAX,
  ) {
    this.scripts = new ApiScripts(redis);
    for (const symbol of markets.keys()) this.keys.set(symbol, symbolKeys(symbol, prefix));
  }

  keysOf(symbol: string): SymbolKeys {
    return this.keys.get(symbol) ?? symbolKeys(symbol, this.prefix);
  }

  /** Appends a CancelCommand; the engine answers on the outcomes channel with `requestId`. */
  async appendCancel(symbol: string, orderId: string, requestId: string, accountId: string): Promise<string> {
    const cmd: CancelCommand = { v: 1, kind: 'cancel', order_id: orderId, request_id: requestId, account_id: accountId };
    return durable(
      async () => (await this.redis.xadd(this.keysOf(symbol).commands, '*', FIELDS.command, JSON.stringify(cmd)))!,
      'the cancel may or may not have been queued; retrying it is safe',
    );
  }

  /** The market an order of `symbol` trades on. */
  specOf(symbol: string): MarketSpec | undefined {
    return this.markets.get(symbol);
  }

  /** Appends a CancelAllCommand for `accountId` on `symbol`; answered on the outcomes channel with `requestId`. */
  async appendCancelAll(symbol: string, accountId: string, requestId: string): Promise<string> {
    const cmd: CancelAllCommand = { v: 1, kind: 'cancel_all', account_id: accountId, request_id: requestId };
    return durable(
      async () => (await this.redis.xadd(this.keysOf(symbol).commands, '*', FIELDS.command, JSON.stringify(cmd)))!,
      'the cancel-all may or may not have been queued; retrying it is safe',
    );
  }

  /**
   * Reads one of `accountId`'s orders on the one symbol its id names (`symbolOfOrderId`), or on
   * `symbol` when the caller knows it (the Binance dialect names it). Only an id of the form given
   * before ids named their symbol, with no `symbol`, is looked for in every listed symbol at once
   * (one round trip, but every symbol's slot). Another account's order is undefined, exactly like
   * an unknown id.
   */
  async find(orderId: string, accountId: string, symbol?: string): Promise<OrderView | undefined> {
    const named = symbolOfOrderId(orderId);
    if (named !== undefined && symbol !== undefined && named !== symbol) return undefined;
    const on = named ?? symbol;
    const symbols = on === undefined ? [...this.keys.keys()] : this.markets.has(on) ? [on] : [];
    const replies = await durable(() => pipelineEach(this.redis, symbols, (p, s) => this.scripts.readOrder(p, this.keysOf(s), orderId)));
    for (let i = 0; i < replies.length; i++) {
      const [err, value] = replies[i];
      if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
      const owned = ownedOrderOf(this.markets.get(symbols[i])!, value as StoredOrderReply);
      if (owned) return owned.accountId === accountId ? owned.view : undefined;
    }
    return undefined;
  }

  /** The order id the account's `client_order_id` names on `symbol`, while it is remembered for retries. */
  async orderIdOfClientOrder(symbol: string, accountId: string, clientOrderId: string): Promise<string | undefined> {
    const seen = await durable(() => this.redis.get(this.keysOf(symbol).clientOrder(accountId, clientOrderId)));
    if (seen === null) return undefined;
    const answer = JSON.parse(seen.slice(seen.indexOf('\n') + 1)) as PlaceOrderAccepted;
    return answer.order_id;
  }

  /** Reads an order's state when its symbol is known. */
  async get(symbol: string, orderId: string): Promise<OrderView | undefined> {
    const spec = this.markets.get(symbol);
    if (!spec) return undefined;
    const [[err, value]] = await durable(() => pipelineEach(this.redis, [symbol], (p, s) => this.scripts.readOrder(p, this.keysOf(s), orderId)));
    if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
    return ownedOrderOf(spec, value as StoredOrderReply)?.view;
  }

  /**
   * The account's orders on `symbols`, newest first, at most `limit`: its open ones (`open`) or
   * its recent ones of any status (`all`, as far back as the per-symbol bound and the finished
   * orders' TTL reach). `before` pages back: only orders created before that time (ms). One read
   * of the index per symbol, then one of the states.
   */
  async ordersOf(accountId: string, symbols: readonly string[], status: 'open' | 'all', limit: number, before?: number): Promise<OrderView[]> {
    const ids = await durable(() =>
      pipelineEach(this.redis, symbols, (p, s) => {
        if (status === 'open') p.smembers(this.keysOf(s).accountOpen(accountId));
        else p.zrevrangebyscore(this.keysOf(s).accountOrders(accountId), before === undefined ? '+inf' : `(${before}`, '-inf', 'LIMIT', 0, limit);
      }),
    );
    const wanted: [symbol: string, id: string][] = [];
    ids.forEach(([err, list], i) => {
      if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
      for (const id of list as string[]) wanted.push([symbols[i], id]);
    });
    if (wanted.length === 0) return [];
    const states = await durable(() => pipelineEach(this.redis, wanted, (p, [s, id]) => this.scripts.readOrder(p, this.keysOf(s), id)));
    const out: OrderView[] = [];
    states.forEach(([err, value], i) => {
      if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
      const owned = ownedOrderOf(this.markets.get(wanted[i][0])!, value as StoredOrderReply);
      if (!owned || owned.accountId !== accountId) return;
      if (status === 'open' && isFinished(owned.view.status)) return;
      if (before !== undefined && owned.view.created_at >= before) return;
      out.push(owned.view);
    });
    // Stable: within a symbol the index order (newest first) breaks ties.
    out.sort((a, b) => b.created_at - a.created_at);
    return out.slice(0, limit);
  }

  /** The account's fills on `symbols`, newest first, at most `limit` (one read per symbol). */
  async tradesOf(accountId: string, symbols: readonly string[], limit: number): Promise<MyTrade[]> {
    const lists = await durable(() => pipelineEach(this.redis, symbols, (p, s) => p.lrange(this.keysOf(s).accountTrades(accountId), 0, limit - 1)));
    const out: MyTrade[] = [];
    lists.forEach(([err, rows], i) => {
      if (err) throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${err.message})`);
      const spec = this.markets.get(symbols[i])!;
      for (const row of rows as string[]) out.push(renderAccountTrade(spec, row));
    });
    out.sort((a, b) => b.timestamp - a.timestamp);
    return out.slice(0, limit);
  }
}
