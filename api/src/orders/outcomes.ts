import type { Logger, RedisClient } from '@xtrader/platform';
import type { AmendOutcome, CancelAllOutcome, CancelOutcome, OutcomeMessage } from '@xtrader/protocol';

export type Waiter<T> = (value: T) => void;

/** An outcome with the sequence of the engine batch that committed it (`OutcomeMessage.seq`). */
export type Committed<T> = T & { seq: number };

/**
 * Delivers the engine's published outcomes to the requests of this api node that wait for them.
 * Subscribes to every symbol's outcomes channel at start; a waiter is registered before its
 * command is appended, so no answer can arrive before anyone listens for it.
 *
 * An outcome names the orders a batch committed, without their views: an order waiter resolves
 * when its order is committed and the caller reads the stored state (committed before the
 * message was published), the same read it makes after a timeout.
 */
export class OutcomeHub {
  /** Order waiters get the committing batch's sequence. */
  private readonly orders = new Map<string, Set<Waiter<number>>>();
  private readonly cancels = new Map<string, Waiter<Committed<CancelOutcome>>>();
  private readonly amends = new Map<string, Waiter<AmendOutcome>>();
  /** Cancel-all waiters by request id (one request may span several symbols: one outcome each). */
  private readonly cancelAlls = new Map<string, Waiter<Committed<CancelAllOutcome>>>();

  constructor(
    private readonly sub: RedisClient,
    private readonly channels: string[],
    private readonly log: Logger,
  ) {
    sub.on('message', (_channel: string, message: string) => this.dispatch(message));
  }

  async start(): Promise<void> {
    if (this.channels.length > 0) await this.sub.subscribe(...this.channels);
  }

  private dispatch(message: string): void {
    let msg: OutcomeMessage;
    try {
      msg = JSON.parse(message) as OutcomeMessage;
    } catch {
      this.log.warn('unreadable outcome message');
      return;
    }
    if (this.orders.size > 0) {
      for (const orderId of msg.orders) {
        const set = this.orders.get(orderId);
        if (set) for (const w of set) w(msg.seq);
      }
    }
    if (this.cancels.size > 0) {
      for (const c of msg.cancels) this.cancels.get(c.request_id)?.({ ...c, seq: msg.seq });
    }
    if (this.amends.size > 0 && msg.amends !== undefined) {
      for (const a of msg.amends) this.amends.get(a.request_id)?.(a);
    }
    if (this.cancelAlls.size > 0 && msg.cancel_alls) {
      for (const c of msg.cancel_alls) this.cancelAlls.get(`${msg.symbol} ${c.request_id}`)?.({ ...c, seq: msg.seq });
    }
  }

  /**
   * Waits up to `ms` for the engine to commit `orderId`, then resolves with the committing
   * batch's sequence (undefined after a timeout) and no view: read the stored state, which is then
   * the engine's, or still ACCEPTED after a timeout. Call before the command is appended, then
   * await the returned promise.
   */
  waitOrder(orderId: string, ms: number): { promise: Promise<number | undefined>; cancel: () => void } {
    let set = this.orders.get(orderId);
    if (!set) this.orders.set(orderId, (set = new Set()));
    const waiters = set;
    let waiter!: Waiter<number>;
    let timer!: NodeJS.Timeout;
    const remove = () => {
      clearTimeout(timer);
      waiters.delete(waiter);
      if (waiters.size === 0 && this.orders.get(orderId) === waiters) this.orders.delete(orderId);
    };
    const promise = new Promise<number | undefined>((resolve) => {
      waiter = (seq) => {
        remove();
        resolve(seq);
      };
      timer = setTimeout(() => {
        remove();
        resolve(undefined);
      }, ms);
      waiters.add(waiter);
    });
    return { promise, cancel: remove };
  }

  /** Waits up to `ms` for the outcome of cancel request `requestId`; undefined on timeout. */
  waitCancel(requestId: string, ms: number): { promise: Promise<Committed<CancelOutcome> | undefined>; cancel: () => void } {
    return waitRequest(this.cancels, requestId, ms);
  }

  /** Waits up to `ms` for the outcome of amend request `requestId`; undefined on timeout. */
  waitAmend(requestId: string, ms: number): { promise: Promise<AmendOutcome | undefined>; cancel: () => void } {
    return waitRequest(this.amends, requestId, ms);
  }

  /** Waits up to `ms` for the outcome of cancel-all request `requestId` on `symbol`; undefined on timeout. */
  waitCancelAll(symbol: string, requestId: string, ms: number): { promise: Promise<Committed<CancelAllOutcome> | undefined>; cancel: () => void } {
    return waitRequest(this.cancelAlls, `${symbol} ${requestId}`, ms);
  }
}

/** Registers a waiter for the outcome of request `key` in `waiters`; undefined on timeout. */
export function waitRequest<T>(waiters: Map<string, Waiter<T>>, key: string, ms: number): { promise: Promise<T | undefined>; cancel: () => void } {
  let timer!: NodeJS.Timeout;
  const remove = () => {
    clearTimeout(timer);
    waiters.delete(key);
  };
  const promise = new Promise<T | undefined>((resolve) => {
    waiters.set(key, (outcome) => {
      remove();
      resolve(outcome);
    });
    timer = setTimeout(() => {
      remove();
      resolve(undefined);
    }, ms);
  });
  return { promise, cancel: remove };
}
