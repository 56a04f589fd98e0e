import { formatSteps, type MarketSpec, type PlaceOrderRequest } from '@xtrader/protocol';

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
    // Mid-range prices, far from zero and from the maximum: any valid price would do.
    this.prices = markets.map((m) => formatSteps(Math.max(1, Math.floor(Math.min(m.maxPriceTicks, 1_000_000) / 2)), m.tick));
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
