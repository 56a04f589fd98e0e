import { randomUUID } from 'node:crypto';
import { isFinished, XtError, type OrderView } from '@xtrader/protocol';
import { remainingMs, type LedgerProgress } from './ledger-progress';
import type { OutcomeHub } from './outcomes';
import type { OrderStore } from './store';

/** The engine did not answer a cancel in time; `extra` is what the 504 answer adds to the error. */
export class CancelTimeout extends XtError {
  constructor(
    message: string,
    readonly extra: Record<string, string>,
  ) {
    super('TIMEOUT', message);
  }
}

export interface CancelDeps {
  store: OrderStore;
  outcomes: OutcomeHub;
  /** When set, a cancel is answered once its account's ledger shard released what the order held (within the same timeout). */
  ledger?: LedgerProgress;
}

/**
 * Cancels one of the account's orders once the engine did (and, with a ledger, once its funds are
 * released): the cancelled order. `symbol`: the order's symbol when the route names it (see
 * `OrderStore.find`).
 */
export type CancelOrder = (orderId: string, accountId: string, timeoutMs: number, symbol?: string) => Promise<OrderView>;
/** Cancels the account's open orders on each of `symbols` once the engines did: the ids cancelled. */
export type CancelAllOrders = (symbols: readonly string[], accountId: string, timeoutMs: number) => Promise<string[]>;

/**
 * The cancel use-case shared by every route that cancels one order: ORDER_NOT_FOUND for an
 * unknown id, another account's order or a finished one; {@link CancelTimeout} when the engine is late
 * and the stored state does not show the order cancelled.
 */
export function cancelOrderHandler({ store, outcomes, ledger }: CancelDeps): CancelOrder {
  return async (orderId, accountId, timeoutMs, symbol) => {
    const startedAt = performance.now();
    const current = await store.find(orderId, accountId, symbol);
    if (!current) throw new XtError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    if (isFinished(current.status)) {
      throw new XtError('ORDER_NOT_FOUND', `order ${orderId} is ${current.status.toLowerCase()}: nothing left to cancel`);
    }
    const requestId = randomUUID();
    const waiter = outcomes.waitCancel(requestId, timeoutMs);
    try {
      await store.appendCancel(current.symbol, orderId, requestId, accountId);
    } catch (e) {
      waiter.cancel();
      throw e;
    }
    const outcome = await waiter.promise;
    if (outcome && !outcome.ok) throw new XtError('ORDER_NOT_FOUND', outcome.message ?? `order ${orderId} is not open`);
    // Answered: the stored state is the engine's. No answer in time (engine slow, or the message
    // was missed): the stored state decides.
    const [view] = await Promise.all([
      store.get(current.symbol, orderId),
      outcome?.ok && ledger ? ledger.whenApplied(accountId, current.symbol, outcome.seq, remainingMs(startedAt, timeoutMs)) : undefined,
    ]);
    if (view && (outcome || view.status === 'CANCELLED')) return view;
    throw new CancelTimeout(`the cancel was queued but the engine did not answer within ${timeoutMs} ms`, { order_id: orderId, request_id: requestId });
  };
}

/** The cancel-all use-case: one command per symbol, each engine cancels the account's open orders there in one step. */
export function cancelAllHandler({ store, outcomes, ledger }: CancelDeps): CancelAllOrders {
  return async (symbols, accountId, timeoutMs) => {
    const startedAt = performance.now();
    const requestId = randomUUID();
    const waiters = symbols.map((s) => outcomes.waitCancelAll(s, requestId, timeoutMs));
    try {
      await Promise.all(symbols.map((s) => store.appendCancelAll(s, accountId, requestId)));
    } catch (e) {
      for (const w of waiters) w.cancel();
      throw e;
    }
    const answers = await Promise.all(waiters.map((w) => w.promise));
    const late = symbols.filter((_, i) => answers[i] === undefined);
    if (late.length > 0) {
      throw new CancelTimeout(`the cancels were queued but the engine of ${late.join(', ')} did not answer within ${timeoutMs} ms`, { request_id: requestId });
    }
    if (ledger) {
      await Promise.all(answers.map((o, i) => (o!.order_ids.length > 0 ? ledger.whenApplied(accountId, symbols[i]!, o!.seq, remainingMs(startedAt, timeoutMs)) : undefined)));
    }
    return answers.flatMap((o) => o!.order_ids);
  };
}
