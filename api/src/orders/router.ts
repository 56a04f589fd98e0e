import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { CancelOrderRequest, isFinished, OrderListStatus, priceToTicks, quantityToLots, XtError, type AmendOrderAnswer, type CancelAllResponse, type MarketSpec } from '@xtrader/protocol';
import { principalOf, requireAuth } from '../auth/router';
import type { Authenticator } from '../auth/authenticate';
import type { ApiMetrics } from '../metrics';
import { CancelTimeout, type CancelAllOrders, type CancelOrder } from './cancel';
import type { OutcomeHub } from './outcomes';
import type { LedgerOrders } from '../ledger/orders';
import type { OrderStore } from './store';
import type { PlaceOrder } from './place';
import { parseAmendOrder, parseOrderId, parseTimeout } from './validate';

export interface OrderRouterDeps {
  store: OrderStore;
  /** Amends lock what they need on the account's ledger shard, which sends them on. */
  ledgerOrders: LedgerOrders;
  outcomes: OutcomeHub;
  /** The cancel use-cases (shared with the Binance dialect). */
  cancel: CancelOrder;
  cancelAll: CancelAllOrders;
  metrics: ApiMetrics;
  /** The place use-case (shared with the accept fast path in front of Express). */
  place: PlaceOrder;
  auth: Authenticator;
  markets: ReadonlyMap<string, MarketSpec>;
}

/** `limit` of the account's lists: 1..max, default `fallback`. */
function parseLimit(value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new XtError('INVALID_LIMIT', `limit must be an integer from 1 to ${max}`);
  return n;
}

/** `symbol` of the account's lists: one listed symbol, or all of them when absent. */
function parseSymbols(value: unknown, markets: ReadonlyMap<string, MarketSpec>): string[] {
  if (value === undefined) return [...markets.keys()];
  if (typeof value !== 'string' || !markets.has(value)) throw new XtError('SYMBOL_NOT_FOUND', `symbol ${JSON.stringify(value)} is not listed; listed: ${[...markets.keys()].join(', ')}`);
  return [value];
}

/**
 * The order routes, mounted at `/api/v1` and `/v1`:
 * - `POST /order[?wait=true&timeout_ms=5000]`: see `placeOrderHandler` in place.ts (the accept fast
 *   path in front of Express answers the same requests first; this route serves what it hands on);
 * - `POST /order/cancel {order_id}` and `DELETE /order/:id` -> 200 cancelled `OrderView`, 404;
 * - `POST /order/amend {order_id, quantity?, price?}` -> 200 `AmendOrderAnswer` once the engine
 *   applied it, 400 (a size off the market's grid, or the engine's reason: NOTHING_CHANGED,
 *   QUANTITY_NOT_ABOVE_FILLED, POST_ONLY_WOULD_CROSS), 404 ORDER_NOT_FOUND (unknown or finished);
 * - `GET /order/:id` -> `OrderView` or 404;
 * - `GET /orders?symbol=&status=open|all&limit=100&before=` (`before`: page back by created_at), `DELETE /orders?symbol=`, `GET /my-trades?symbol=&limit=50`.
 * Every route acts for the authenticated account only: another account's order answers exactly
 * what an unknown id answers.
 */
/** What a cancel route answered when the engine was late (the 504 is sent). */
const LATE = Symbol('late');

export function orderRouter({ store, ledgerOrders, outcomes, cancel, cancelAll, metrics, place, auth, markets }: OrderRouterDeps): Router {
  const router = Router({ caseSensitive: true });
  const trade = requireAuth(auth, 'trade');
  const read = requireAuth(auth, 'read');

  router.post('/order', trade, async (req: Request, res: Response) => {
    const answer = await place(req.body, req.query, principalOf(res).accountId);
    res.status(answer.status).json(answer.body);
  });

  router.get('/orders', read, async (req: Request, res: Response) => {
    const symbols = parseSymbols(req.query.symbol, markets);
    const status = OrderListStatus.safeParse(req.query.status ?? 'open');
    if (!status.success) throw new XtError('INVALID_REQUEST', 'status must be open or all');
    const limit = parseLimit(req.query.limit, 100, store.accountOrdersMax);
    const before = req.query.before;
    if (before !== undefined && (typeof before !== 'string' || !/^\d{1,15}$/.test(before))) throw new XtError('INVALID_REQUEST', 'before must be a time in ms (the created_at of the last order of the previous page)');
    const orders = await store.ordersOf(principalOf(res).accountId, symbols, status.data, limit, before === undefined ? undefined : Number(before));
    res.status(200).json({ orders });
  });

  router.get('/my-trades', read, async (req: Request, res: Response) => {
    const symbols = parseSymbols(req.query.symbol, markets);
    const limit = parseLimit(req.query.limit, 50, 1000);
    res.status(200).json({ trades: await store.tradesOf(principalOf(res).accountId, symbols, limit) });
  });

  router.delete('/orders', trade, async (req: Request, res: Response) => {
    const symbols = parseSymbols(req.query.symbol, markets);
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const cancelled = await timeoutAs504(res, () => cancelAll(symbols, principalOf(res).accountId, timeoutMs));
    if (cancelled === LATE) return;
    const body: CancelAllResponse = { cancelled };
    res.status(200).json(body);
  });

  /** Runs a cancel; a late engine answers 504 with the ids to look for, the other errors go on. */
  async function timeoutAs504<T>(res: Response, run: () => Promise<T>): Promise<T | typeof LATE> {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof CancelTimeout)) throw e;
      metrics.errors.inc({ code: e.code });
      res.status(504).json({ ...e.toBody(), ...e.extra });
      return LATE;
    }
  }

  async function cancelOne(res: Response, orderId: string, timeoutMs: number): Promise<void> {
    const view = await timeoutAs504(res, () => cancel(orderId, principalOf(res).accountId, timeoutMs));
    if (view !== LATE) res.status(200).json(view);
  }

  router.post('/order/cancel', trade, async (req: Request, res: Response) => {
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const body: unknown = req.body;
    const parsed = CancelOrderRequest.safeParse(body);
    if (!parsed.success) {
      const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
      if (isObject && 'order_id' in body && parsed.error.issues.every((i) => i.path[0] === 'order_id')) parseOrderId((body as { order_id: unknown }).order_id);
      throw new XtError('INVALID_REQUEST', isObject ? 'the body must be {"order_id": "..."} and nothing else' : 'the body must be a JSON object');
    }
    await cancelOne(res, parseOrderId(parsed.data.order_id), timeoutMs);
  });

  router.post('/order/amend', trade, async (req: Request, res: Response) => {
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const amend = parseAmendOrder(req.body);
    const orderId = amend.orderId;
    const accountId = principalOf(res).accountId;
    const current = await store.find(orderId, accountId);
    if (!current) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    if (isFinished(current.status)) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} is ${current.status.toLowerCase()}: it can no longer be amended`);
    const spec = store.specOf(current.symbol);
    if (!spec) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    const change = {
      ...(amend.quantity !== undefined ? { qtyLots: quantityToLots(spec, amend.quantity) } : {}),
      ...(amend.price !== undefined ? { priceTicks: priceToTicks(spec, amend.price) } : {}),
    };
    const requestId = randomUUID();
    const waiter = outcomes.waitAmend(requestId, timeoutMs);
    let sent;
    try {
      sent = await ledgerOrders.amend(orderId, requestId, change, accountId);
    } catch (e) {
      waiter.cancel();
      throw e;
    }
    if (!sent) waiter.cancel();
    const outcome = sent ? await waiter.promise : undefined;
    if (!outcome) {
      // No answer in time: unlike a cancel, the stored state cannot tell whether this amend applied.
      const late = sent ? `the amend was queued but the engine did not answer within ${timeoutMs} ms` : 'the ledger did not answer in time; the amend may still be applied';
      const err = new XtError('TIMEOUT', `${late}; read the order to see whether it applied`);
      metrics.errors.inc({ code: err.code });
      res.status(504).json({ ...err.toBody(), order_id: orderId, request_id: requestId });
      return;
    }
    if (!outcome.ok) throw new XtError(outcome.code ?? 'ORDER_NOT_FOUND', outcome.message ?? `order ${orderId} is not open`);
    const view = await store.get(current.symbol, orderId);
    if (!view) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    const answer: AmendOrderAnswer = { ...view, kept_priority: outcome.kept_priority === true };
    res.status(200).json(answer);
  });

  router.delete('/order/:id', trade, async (req: Request, res: Response) => {
    await cancelOne(res, parseOrderId(req.params.id), parseTimeout(req.query.timeout_ms));
  });

  router.get('/order/:id', read, async (req: Request, res: Response) => {
    const orderId = parseOrderId(req.params.id);
    const view = await store.find(orderId, principalOf(res).accountId);
    if (!view) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    res.status(200).json(view);
  });

  return router;
}
