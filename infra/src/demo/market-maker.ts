import { formatSteps, type MarketSpec, type Side } from '@xtrader/protocol';
import { ApiError, type ApiClient } from '../api-client';

/** Reference prices the demo starts from (BTC-KRW near 50,000,000 KRW). */
export const REFERENCE_PRICES: Record<string, string> = {
  'BTC-KRW': '50000000',
  'ETH-KRW': '3000000',
  AAPL: '190',
};

export interface MarketMakerOptions {
  /** Starting reference price as a decimal string (default {@link REFERENCE_PRICES}, else 1000 ticks). */
  reference?: string;
  /** Price levels quoted on each side (default 8). */
  levels?: number;
  /** Resting quotes kept per side before the oldest is cancelled (default 24). */
  maxRestingPerSide?: number;
  /** One action in this many crosses the spread (default 4). */
  crossEvery?: number;
  /** Random source in [0, 1) (tests can make it deterministic). */
  random?: () => number;
}

/**
 * Keeps one symbol trading through the public API: quotes bids and asks around a reference price
 * that drifts in a random walk, and every few actions sends an IOC order across the spread so a
 * trade prints. Quotes beyond a bound are cancelled oldest first, so the book stays small.
 */
export class MarketMaker {
  private refTicks: number;
  private readonly step: number;
  private readonly resting: Record<Side, string[]> = { Buy: [], Sell: [] };
  private actions = 0;
  private readonly random: () => number;
  /** Counters for the bot's log line. */
  readonly stats = { placed: 0, crossed: 0, cancelled: 0, errors: 0 };

  constructor(
    private readonly api: ApiClient,
    private readonly market: MarketSpec,
    private readonly opts: MarketMakerOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
    const ref = opts.reference ?? REFERENCE_PRICES[market.symbol];
    this.refTicks = ref ? Math.max(1, Math.round(Number(ref) / stepValue(market.tick))) : 1000;
    // Levels 0.05% apart (at least one tick): a chart that moves, a book that looks real.
    this.step = Math.max(1, Math.round(this.refTicks * 0.0005));
  }

  get symbol(): string {
    return this.market.symbol;
  }

  /** One action: drift the reference, then quote one level or cross the spread. */
  async act(): Promise<void> {
    this.actions++;
    this.drift();
    try {
      if (this.actions % (this.opts.crossEvery ?? 4) === 0) await this.cross();
      else await this.quote();
      await this.trim();
    } catch (e) {
      this.stats.errors++;
      throw e;
    }
  }

  /** Cancels every quote this bot still has resting (best effort). */
  async withdraw(): Promise<void> {
    const ids = [...this.resting.Buy, ...this.resting.Sell];
    this.resting.Buy = [];
    this.resting.Sell = [];
    await Promise.allSettled(ids.map((id) => this.api.cancelOrder(id)));
  }

  private drift(): void {
    const move = Math.round((this.random() - 0.5) * 2 * this.step);
    this.refTicks = Math.min(this.market.maxPriceTicks, Math.max(this.step * 10, this.refTicks + move));
  }

  private async quote(): Promise<void> {
    const side: Side = this.random() < 0.5 ? 'Buy' : 'Sell';
    const level = 1 + Math.floor(this.random() * (this.opts.levels ?? 8));
    const ticks = side === 'Buy' ? this.refTicks - level * this.step : this.refTicks + level * this.step;
    if (ticks < 1 || ticks > this.market.maxPriceTicks) return;
    const res = await this.api.placeOrder({
      symbol: this.symbol,
      side,
      type: 'Limit',
      price: formatSteps(ticks, this.market.tick),
      quantity: this.quantity(20),
    });
    this.resting[side].push(res.order_id);
    this.stats.placed++;
  }

  private async cross(): Promise<void> {
    const side: Side = this.random() < 0.5 ? 'Buy' : 'Sell';
    const ticks = side === 'Buy' ? this.refTicks + 3 * this.step : this.refTicks - 3 * this.step;
    if (ticks < 1 || ticks > this.market.maxPriceTicks) return;
    await this.api.placeOrder({
      symbol: this.symbol,
      side,
      type: 'Limit',
      time_in_force: 'IOC',
      price: formatSteps(ticks, this.market.tick),
      quantity: this.quantity(8),
      // The demo's one account makes the market and takes it: its taker trades with its own
      // quotes on purpose (the default self-trade prevention would cancel them instead).
      self_trade_prevention: 'NONE',
    });
    this.stats.crossed++;
  }

  private async trim(): Promise<void> {
    for (const side of ['Buy', 'Sell'] as const) {
      while (this.resting[side].length > (this.opts.maxRestingPerSide ?? 24)) {
        const id = this.resting[side].shift()!;
        try {
          await this.api.cancelOrder(id);
          this.stats.cancelled++;
        } catch (e) {
          // Already filled: nothing to cancel, which is fine.
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
      }
    }
  }

  /** Between the minimum and `maxMultiple` times the minimum quantity, within the maximum. */
  private quantity(maxMultiple: number): string {
    const lots = Math.min(this.market.maxLots, this.market.minLots * (1 + Math.floor(this.random() * maxMultiple)));
    return formatSteps(lots, this.market.lot);
  }
}

function stepValue(step: { mantissa: bigint; scale: number }): number {
  return Number(step.mantissa) / 10 ** step.scale;
}
