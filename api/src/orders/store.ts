import { pipelineEach, waitForReplicas, type RedisClient } from '@xtrader/platform';
import {
  isFinished,
  isXtError,
  FIELDS,
  readOwnedOrder,
  renderAccountTrade,
  DEFAULT_ACCOUNT_ORDERS_MAX,
  symbolKeys,
  XtError,
  type AmendCommand,
  type CancelAllCommand,
  type CancelCommand,
  type MyTrade,
  type MarketSpec,
  type OrderView,
  type PlaceCommand,
  type PlaceOrderAccepted,
  type SymbolKeys,
} from '@xtrader/protocol';
import { acceptedAnswer, placeWriteOf } from './place-write';
import { ApiScripts, type StoredOrderReply } from './scripts';
import type { NormalizedOrder } from './validate';

export type PlaceResult = { kind: 'new'; answer: PlaceOrderAccepted; streamId: string } | { kind: 'same'; answer: PlaceOrderAccepted };

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

async function durable<T>(fn: () => Promise<T>, unknown?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isXtError(e)) throw e;
    const why = (e as Error).message;
    const outcome = unknown === undefined || NOT_SENT.test(why) ? 'nothing was changed, retry' : unknown;
    throw new XtError('SERVICE_UNAVAILABLE', `the order store is unavailable (${why}); ${outcome}`);
  }
}

/** `XT_DURABILITY=replica`: how many replicas must have an append, and how long to wait for them. */
export interface Durability {
  replicas: number;
  timeoutMs: number;
}

/**
 * The api's side of the order path in Redis: appending commands (atomically with their
 * bookkeeping) and reading stored order states. Holds no state of its own.
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
    /** `XT_DURABILITY=replica`: a place is answered only once a replica has it (see {@link Durability}). */
    private readonly durability?: Durability,
  ) {
    this.scripts = new ApiScripts(redis);
    for (const symbol of markets.keys()) this.keys.set(symbol, symbolKeys(symbol, prefix));
  }

  keysOf(symbol: string): SymbolKeys {
    return this.keys.get(symbol) ?? symbolKeys(symbol, this.prefix);
  }

  /**
   * Appends a PlaceCommand. With a client_order_id, a retry with the same content returns the
   * first answer and appends nothing; different content is a 409 (the id is scoped per account
   * and symbol).
   */
  async place(order: NormalizedOrder, orderId: string, accountId: string): Promise<PlaceResult> {
    const { spec } = order;
    const keys = this.keysOf(spec.symbol);
    const cmd: PlaceCommand = {
      v: 1,
      kind: 'place',
      order_id: orderId,
      ...(order.clientOrderId !== undefined ? { client_order_id: order.clientOrderId } : {}),
      side: order.side,
      type: order.type,
      tif: order.tif,
      price_ticks: order.priceTicks,
      qty_lots: order.qtyLots,
      account_id: accountId,
      ...(order.quoteQuantity !== undefined ? { quote_quantity: order.quoteQuantity } : {}),
      ...(order.selfTradePrevention !== undefined ? { self_trade_prevention: order.selfTradePrevention } : {}),
    };
    const write = placeWriteOf(keys, cmd, accountId, this.accountOrdersMax);
    const answer = acceptedAnswer(cmd);
    const [kind, value] = await durable(
      () => this.scripts.placeOrder(keys, write),
      'the order may or may not have been appended; retry with the same client_order_id (without one, look for the order before placing it again)',
    );
    if (kind === 'new') {
      if (this.durability) await this.replicated(keys.commands, spec.symbol);
      return { kind, answer, streamId: value };
    }
    if (kind === 'same') {
      // A retry answers what the first attempt appended: only once a replica has that too (the
      // first attempt may have been refused for want of one).
      if (this.durability) await this.replicated(keys.commands, spec.symbol);
      return { kind, answer: JSON.parse(value) as PlaceOrderAccepted };
    }
    if (kind === 'exists') throw new XtError('SERVICE_UNAVAILABLE', `order id ${orderId} is taken; place the order again`);
    throw new XtError('DUPLICATE_CLIENT_ORDER_ID', `client_order_id ${order.clientOrderId} was already used for a different order on ${spec.symbol}`);
  }

  /**
   * Waits until a replica has the append just made to `stream` (WAIT on that stream's node).
   * Refused when none confirms in time: the order is in the primary's stream and will most likely
   * trade, but a failover now could lose it, and a 202 promises that it cannot.
   */
  private async replicated(stream: string, symbol: string): Promise<void> {
    const { replicas, timeoutMs } = this.durability!;
    const acked = await durable(() => waitForReplicas(this.redis, stream, replicas, timeoutMs), 'the order was appended, but whether a replica has it is unknown');
    if (acked < replicas) {
      throw new XtError(
        'SERVICE_UNAVAILABLE',
        `the order was appended on ${symbol}'s Redis primary, but no replica confirmed it within ${timeoutMs} ms (XT_DURABILITY=replica): read it before placing it again, or retry with the same client_order_id`,
      );
    }
  }

  /** Appends a CancelCommand; the engine answers on the outcomes channel with `requestId`. */
  async appendCancel(symbol: string, orderId: string, requestId: string, accountId: string): Promise<string> {
    const cmd: CancelCommand = { v: 1, kind: 'cancel', order_id: orderId, request_id: requestId, account_id: accountId };
    return durable(
      async () => (await this.redis.xadd(this.keysOf(symbol).commands, '*', FIELDS.command, JSON.stringify(cmd)))!,
      'the cancel may or may not have been queued; retrying it is safe',
    );
  }

  /** Appends an AmendCommand; the engine answers on the outcomes channel with `requestId`. */
  async appendAmend(symbol: string, orderId: string, requestId: string, change: { qtyLots?: number; priceTicks?: number }, accountId: string): Promise<string> {
    const cmd: AmendCommand = { v: 1, kind: 'amend', order_id: orderId, request_id: requestId, account_id: accountId };
    if (change.qtyLots !== undefined) cmd.qty_lots = change.qtyLots;
    if (change.priceTicks !== undefined) cmd.price_ticks = change.priceTicks;
    return durable(
      async () => (await this.redis.xadd(this.keysOf(symbol).commands, '*', FIELDS.command, JSON.stringify(cmd)))!,
      'the amend may or may not have been queued; read the order before amending it again',
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
   * Reads one of `accountId`'s orders, looking in every listed symbol at once (one round trip).
   * Another account's order is undefined, exactly like an unknown id.
   */
  async find(orderId: string, accountId: string): Promise<OrderView | undefined> {
    const symbols = [...this.keys.keys()];
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
