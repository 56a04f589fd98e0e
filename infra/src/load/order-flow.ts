import { formatSteps, type MarketSpec, type PlaceOrderRequest } from '@xtrader/protocol';
import type { ApiClient } from '../api-client';
import type { HttpAnswer } from './http-sender';
import type { Command, Outcome, Workload, WorkloadContext } from './workload';

/** A mid-range price of `m` in ticks, far from zero and from the maximum: any valid price would do. */
export function midPriceTicks(m: MarketSpec): number {
  return Math.max(1, Math.floor(Math.min(m.maxPriceTicks, 1_000_000) / 2));
}

/**
 * The order scenario (the same as infra/k6/orders.ts): crossing pairs spread round robin over
 * the symbols. Each pair is a resting Sell and a Buy at the same price and minimum quantity, so
 * every pair trades exactly once and the book stays empty however long the run.
 */
export class CrossingPairs {
  private n = 0;
  private readonly prices: string[];
  private readonly quantities: string[];

  constructor(private readonly markets: MarketSpec[]) {
    this.prices = markets.map((m) => formatSteps(midPriceTicks(m), m.tick));
    this.quantities = markets.map((m) => formatSteps(m.minLots, m.lot));
  }

  /** True after a Sell whose Buy has not been asked for yet. */
  get midPair(): boolean {
    return this.n % 2 === 1;
  }

  /** The next order: even numbers are the Sell of a pair, odd ones the Buy that takes it. */
  next(): PlaceOrderRequest {
    const n = this.n++;
    const pair = Math.floor(n / 2);
    const i = pair % this.markets.length;
    return {
      symbol: this.markets[i].symbol,
      side: n % 2 === 0 ? 'Sell' : 'Buy',
      type: 'Limit',
      price: this.prices[i],
      quantity: this.quantities[i],
    };
  }
}

/** An order answer: 202 with its id, anything else an error. */
export function placeOutcome(res: HttpAnswer): Outcome {
  if (res.status !== 202) return { kind: 'error', what: `HTTP ${res.status} ${res.text.slice(0, 120)}` };
  return { kind: 'ok', orderId: (JSON.parse(res.text) as { order_id: string }).order_id };
}

/**
 * `--workload crossing` (the default): {@link CrossingPairs}, the Sells from one account and the
 * Buys from another (self-trade prevention would cancel a pair from one account instead of
 * trading it). Every order must trade.
 */
export class CrossingWorkload implements Workload {
  readonly name = 'crossing';
  readonly makersMustExecute = true;
  private readonly pairs: CrossingPairs;
  private traders?: Record<'Buy' | 'Sell', ApiClient>;

  constructor(markets: MarketSpec[]) {
    this.pairs = new CrossingPairs(markets);
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    this.traders = { Sell: await ctx.newAccount('load'), Buy: await ctx.newAccount('load') };
  }

  next(): Command {
    const order = this.pairs.next();
    return { kind: 'order', signer: this.traders![order.side], path: '/api/v1/order', body: JSON.stringify(order), mustExecute: true, settle: placeOutcome };
  }

  closing(): Command[] {
    return this.pairs.midPair ? [this.next()] : [];
  }

  onExecution(): void {}

  settled(): boolean {
    return true;
  }

  errors(): string[] {
    return [];
  }

  report(): string[] {
    return [];
  }

  async cleanUp(): Promise<void> {}
}
