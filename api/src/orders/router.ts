import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { CancelOrderRequest, isFinished, priceToTicks, quantityToLots, XtError, type AmendOrderAnswer } from '@xtrader/protocol';
import type { ApiMetrics } from '../metrics';
import type { OutcomeHub } from './outcomes';
import type { OrderStore } from './store';
import type { PlaceOrder } from './place';
import { parseAmendOrder, parseOrderId, parseTimeout } from './validate';

export interface OrderRouterDeps {
  store: OrderStore;
  outcomes: OutcomeHub;
  metrics: ApiMetrics;
  /** The place use-case (shared with the accept fast path in front of Express). */
  place: PlaceOrder;
}

/**
 * The order routes, mounted at `/api/v1` and `/v1`:
 * - `POST /order[?wait=true&timeout_ms=5000]`: see `placeOrderHandler` in place.ts (the accept fast
 *   path in front of Express answers the same requests first; this route serves what it hands on);
 * - `POST /order/cancel {order_id}` and `DELETE /order/:id` -> 200 cancelled `OrderView`, 404;
 * - `POST /order/amend {order_id, quantity?, price?}` -> 200 `AmendOrderAnswer` once the engine
 *   applied it, 400 (a size off the market's grid, or the engine's reason: NOTHING_CHANGED,
 *   QUANTITY_NOT_ABOVE_FILLED, POST_ONLY_WOULD_CROSS), 404 ORDER_NOT_FOUND (unknown or finished);
 * - `GET /order/:id` -> `OrderView` or 404.
 */
export function orderRouter({ store, outcomes, metrics, place }: OrderRouterDeps): Router {
  const router = Router({ caseSensitive: true });

  router.post('/order', async (req: Request, res: Response) => {
    const answer = await place(req.body, req.query);
    res.status(answer.status).json(answer.body);
  });

  async function cancel(res: Response, orderId: string, timeoutMs: number): Promise<void> {
    const current = await store.find(orderId);
    if (!current) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    if (isFinished(current.status)) {
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
      const view = await store.get(current.symbol, orderId);
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

  router.post('/order/amend', async (req: Request, res: Response) => {
    const timeoutMs = parseTimeout(req.query.timeout_ms);
    const amend = parseAmendOrder(req.body);
    const orderId = amend.orderId;
    const current = await store.find(orderId);
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
    try {
      await store.appendAmend(current.symbol, orderId, requestId, change);
    } catch (e) {
      waiter.cancel();
      throw e;
    }
    const outcome = await waiter.promise;
    if (!outcome) {
      // No answer in time: unlike a cancel, the stored state cannot tell whether this amend applied.
      const err = new XtError('TIMEOUT', `the amend was queued but the engine did not answer within ${timeoutMs} ms; read the order to see whether it applied`);
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
