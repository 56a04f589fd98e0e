import { randomUUID } from 'node:crypto';
import { isFinished, orderIdOn, XtError, type AssetSpec, type MarketSpec, type OrderView } from '@xtrader/protocol';
import type { ApiMetrics } from '../metrics';
import type { MarketHealth } from '../market-health';
import type { LedgerOrders } from '../ledger/orders';
import { remainingMs, type LedgerProgress } from './ledger-progress';
import type { OutcomeHub } from './outcomes';
import type { OrderStore } from './store';
import { parsePlaceOrder, parseTimeout, parseWait } from './validate';

export interface PlaceOrderDeps {
  /** Reads order states (wait mode). */
  store: OrderStore;
  /** Locks each order's funds on its account's ledger shard, which then appends it to its symbol. */
  orders: LedgerOrders;
  outcomes: OutcomeHub;
  /**
   * When set, a waited-for order that traded or ended is answered once its account's ledger
   * shard settled it (within the same timeout): its proceeds and released funds are then spendable.
   */
  ledger?: LedgerProgress;
  markets: ReadonlyMap<string, MarketSpec>;
  /** The config's assets: a quote_quantity is checked against its quote asset's unit. */
  assets: ReadonlyMap<string, AssetSpec>;
  metrics: ApiMetrics;
  /** Refuses orders for a market whose engine has been gone past the grace (absent: never). */
  health?: MarketHealth;
}

/** What `POST /order` answers: a status and the JSON body. */
export interface PlaceAnswer {
  status: number;
  body: object;
}

/** The query of `POST /order`, as `querystring.parse` (Express's "simple" parser) gives it. */
export interface PlaceQuery {
  wait?: unknown;
  timeout_ms?: unknown;
}

/** Places `body` for the (already authenticated) account `accountId`. */
export type PlaceOrder = (body: unknown, query: PlaceQuery, accountId: string) => Promise<PlaceAnswer>;

/**
 * `POST /order[?wait=true&timeout_ms=5000]`, independent of the HTTP framework (served by the
 * Express router and by the accept fast path alike): 202 `{order_id, status: "ACCEPTED"}` once
 * the account's ledger shard locked its funds and committed it (400 `INSUFFICIENT_FUNDS` when it
 * cannot, 504 `{error: "TIMEOUT", order_id}` when the shard did not answer in time), or with wait
 * 200 with the engine's `OrderView` (504 with the order_id if the engine is late). Bad input
 * throws {@link XtError} before anything is sent.
 */
export function placeOrderHandler({ store, orders, outcomes, ledger, markets, assets, metrics, health }: PlaceOrderDeps): PlaceOrder {
  /** Waits for a known order to leave ACCEPTED (or reads it once more after the timeout). */
  async function settled(orderId: string, symbol: string, ms: number): Promise<OrderView | undefined> {
    const w = outcomes.waitOrder(orderId, ms);
    const now = await store.get(symbol, orderId).catch((e: unknown) => {
      w.cancel();
      throw e;
    });
    if (now && now.status !== 'ACCEPTED') {
      w.cancel();
      return now;
    }
    await w.promise;
    const view = await store.get(symbol, orderId);
    return view && view.status !== 'ACCEPTED' ? view : undefined;
  }

  return async (body, query, accountId) => {
    const acceptedAt = performance.now();
    const wait = parseWait(query.wait);
    const timeoutMs = parseTimeout(query.timeout_ms);
    const order = parsePlaceOrder(body, markets, assets);
    health?.assertAccepting(order.spec.symbol);
    const orderId = orderIdOn(order.spec.symbol, randomUUID());
    // Listen before appending, so the engine's answer cannot come first.
    const waiter = wait ? outcomes.waitOrder(orderId, timeoutMs) : undefined;
    let result;
    try {
      result = await orders.place(order, orderId, accountId);
    } catch (e) {
      waiter?.cancel();
      throw e;
    }
    if (result.kind === 'unanswered') {
      waiter?.cancel();
      const err = new XtError('TIMEOUT', 'the ledger did not answer in time; the order may still be placed: query GET /api/v1/order/{order_id}');
      metrics.errors.inc({ code: err.code });
      return { status: 504, body: { ...err.toBody(), order_id: orderId } };
    }
    if (result.kind === 'granted') {
      metrics.accepted.inc({ symbol: order.spec.symbol });
      metrics.hop('accepted_to_granted').observe((performance.now() - acceptedAt) / 1000);
    }
    if (!wait) return { status: 202, body: result.answer };
    let view: OrderView | undefined;
    let seq: number | undefined;
    if (result.kind === 'retry') {
      waiter!.cancel();
      // A retry: the first attempt may be long done; if not, wait for that order instead.
      const id = result.answer.order_id;
      view = await store.get(order.spec.symbol, id);
      if (!view || view.status === 'ACCEPTED') view = await settled(id, order.spec.symbol, timeoutMs);
    } else {
      seq = await waiter!.promise;
      view = await store.get(order.spec.symbol, orderId);
      if (view?.status === 'ACCEPTED') view = undefined;
    }
    if (view && seq !== undefined && ledger && (view.filled_quantity > 0 || isFinished(view.status))) {
      await ledger.whenApplied(accountId, order.spec.symbol, seq, remainingMs(acceptedAt, timeoutMs));
    }
    if (view) return { status: 200, body: view };
    const err = new XtError('TIMEOUT', `the order was accepted but the engine did not answer within ${timeoutMs} ms; query GET /api/v1/order/{order_id}`);
    metrics.errors.inc({ code: err.code });
    return { status: 504, body: { ...err.toBody(), ...result.answer } };
  };
}
