import { z } from 'zod';
import { OrderView } from './rest';

/**
 * What the engine PUBLISHes on a symbol's `outcomes` channel after each committed batch, for the
 * api nodes that wait on an order (wait mode) or on a cancel request. Pub/sub is best effort: a
 * node that misses a message falls back to reading the stored order state.
 */
export const CancelOutcome = z.object({
  request_id: z.string(),
  order_id: z.string(),
  /** true: the order was cancelled (`order` is its final view); false: ORDER_NOT_FOUND. */
  ok: z.boolean(),
  order: OrderView.optional(),
  message: z.string().optional(),
});
export type CancelOutcome = z.infer<typeof CancelOutcome>;

export const OutcomeMessage = z.object({
  symbol: z.string(),
  /** Committed stream position this message follows. */
  position: z.string(),
  /** The view, as committed, of every order placed in the batch. */
  orders: z.array(OrderView),
  cancels: z.array(CancelOutcome),
});
export type OutcomeMessage = z.infer<typeof OutcomeMessage>;
