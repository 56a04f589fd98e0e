import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { CancelOrderRequest, XtError, type MarketSpec, type OrderView } from '@xtrader/protocol';
import type { ApiMetrics } from '../metrics';
import type { OutcomeHub } from './outcomes';
import type { OrderStore } from './store';
import { parseOrderId, parsePlaceOrder, parseTimeout, parseWait } from './validate';

export interface OrderRouterDeps {
  store: OrderStore;
  outcomes: OutcomeHub;
  markets: ReadonlyMap<string, MarketSpec>;
  metrics: ApiMetrics;
}

const FINISHED = new Set(['FILLED', 'CANCELLED', 'REJECTED']);

/**
 * The order routes, mounted at `/api/v1` and `/v1`:
 * - `POST /order[?wait=true&timeout_ms=5000]` -> 202 `{order_id, status: "ACCEPTED"}`, or with
 *   wait 200 with the engine's `OrderView` (504 `{error: "TIMEOUT", order_id}` if it is late);
 * - `POST /order/cancel {order_id}` and `DELETE /order/:id` -> 200 cancelled `OrderView`, 404;
 * - `GET /order/:id` -> `OrderView` or 404.
 */
export function orderRouter({ store, outcomes, markets, metrics }: OrderRouterDeps): Router {
  const router = Router();

  router.post('/order', async (req: Request, res: Response) => {
    const wait = parseWait(req.query.wait);
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const order = parsePlaceOrder(req.body, markets);
    const orderId = randomUUID();
    // Listen before appending, so the engine's answer cannot come first.
    const waiter = wait ? outcomes.waitOrder(orderId, timeoutMs) : undefined;
    let result;
    try {
      result = await store.place(order, orderId);
    } catch (e) {
      waiter?.cancel();
      throw e;
    }
    if (result.kind === 'new') metrics.accepted.inc({ symbol: order.spec.symbol });
    if (!wait) {
      res.status(202).json(result.answer);
      return;
    }
    let view: OrderView | undefined;
    if (result.kind === 'same') {
      waiter!.cancel();
      // A retry: the first attempt may be long done; if not, wait for that order instead.
      const id = result.answer.order_id;
      view = await store.get(order.spec.symbol, id);
      if (!view || view.status === 'ACCEPTED') view = await settled(id, order.spec.symbol, timeoutMs);
    } else {
      view = (await waiter!.promise) ?? (await store.get(order.spec.symbol, orderId));
      if (view?.status === 'ACCEPTED') view = undefined;
    }
    if (view) {
      res.status(200).json(view);
      return;
    }
    const err = new XtError('TIMEOUT', `the order was accepted but the engine did not answer within ${timeoutMs} ms; query GET /api/v1/order/{order_id}`);
    metrics.errors.inc({ code: err.code });
    res.status(504).json({ ...err.toBody(), ...result.answer });
  });

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
    const view = (await w.promise) ?? (await store.get(symbol, orderId));
    return view && view.status !== 'ACCEPTED' ? view : undefined;
  }

  async function cancel(res: Response, orderId: string, timeoutMs: number): Promise<void> {
    const current = await store.find(orderId);
    if (!current) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    if (FINISHED.has(current.status)) {
      throw new XtError('ORDER_NOT_FOUND', `order ${orderId} is ${current.status.toLowerCase()}: nothing left to cancel`);
    }
    const requestId = randomUUID();
    const waiter = outcomes.waitCancel(requestId, timeoutMs);
    try {
      await store.appendCancel(current.symbol, orderId, requestId);
    } catch (e) {
      waiter.cancel();
      throw e;
    }
    const outcome = await waiter.promise;
    if (outcome) {
      if (!outcome.ok) throw new XtError('ORDER_NOT_FOUND', outcome.message ?? `order ${orderId} is not open`);
      const view = outcome.order ?? (await store.get(current.symbol, orderId));
      res.status(200).json(view);
      return;
    }
    // No answer in time (engine slow, or the message was missed): the stored state decides.
    const view = await store.get(current.symbol, orderId);
    if (view?.status === 'CANCELLED') {
      res.status(200).json(view);
      return;
    }
    const err = new XtError('TIMEOUT', `the cancel was queued but the engine did not answer within ${timeoutMs} ms`);
    metrics.errors.inc({ code: err.code });
    res.status(504).json({ ...err.toBody(), order_id: orderId, request_id: requestId });
  }

  router.post('/order/cancel', async (req: Request, res: Response) => {
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const body: unknown = req.body;
    const parsed = CancelOrderRequest.safeParse(body);
    if (!parsed.success) {
      const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
      if (isObject && 'order_id' in body && parsed.error.issues.every((i) => i.path[0] === 'order_id')) parseOrderId((body as { order_id: unknown }).order_id);
      throw new XtError('INVALID_REQUEST', isObject ? 'the body must be {"order_id": "..."} and nothing else' : 'the body must be a JSON object');
    }
    await cancel(res, parseOrderId(parsed.data.order_id), timeoutMs);
  });

  router.delete('/order/:id', async (req: Request, res: Response) => {
    await cancel(res, parseOrderId(req.params.id), parseTimeout(req.query.timeout_ms));
  });

  router.get('/order/:id', async (req: Request, res: Response) => {
    const orderId = parseOrderId(req.params.id);
    const view = await store.find(orderId);
    if (!view) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    res.status(200).json(view);
  });

  return router;
}
