import { feeUnits, type Decimal, type MarketSpec } from '@xtrader/protocol';

/**
 * `feeUnits(spec, price, qty, rate)` from the contract (price x quantity x rate, exact, rounded
 * UP to the fee unit), with a fast path: when the exact numerator fits in a safe integer the same
 * ceiling division is done with plain numbers (integer `%` and `/` are exact below 2^53); larger
 * products go to the contract's bigint function. Tests check both paths give the same result.
 */
export class FeeRate {
  /** Numerator factor per (tick x lot) and the denominator, when both are safe integers. */
  private readonly factor: number;
  private readonly divisor: number;
  /** Largest price x quantity product for which `product x factor` stays exact. */
  private readonly maxFastProduct: number;

  constructor(
    private readonly spec: MarketSpec,
    private readonly rate: Decimal,
  ) {
    const factor = spec.tick.mantissa * spec.lot.mantissa * rate.mantissa * 10n ** BigInt(spec.config.fee_decimals);
    const divisor = 10n ** BigInt(spec.tick.scale + spec.lot.scale + rate.scale);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    if (rate.mantissa > 0n && factor <= safe && divisor <= safe) {
      this.factor = Number(factor);
      this.divisor = Number(divisor);
      this.maxFastProduct = Math.floor(Number.MAX_SAFE_INTEGER / this.factor);
    } else {
      this.factor = 0;
      this.divisor = 1;
      this.maxFastProduct = -1;
    }
  }

  /** The fee in fee units for a fill of `qtyLots` at `priceTicks`. */
  of(priceTicks: number, qtyLots: number): number {
    if (this.rate.mantissa === 0n) return 0;
    const product = priceTicks * qtyLots;
    if (product <= this.maxFastProduct) {
      const numerator = product * this.factor;
      const rest = numerator % this.divisor;
      return (numerator - rest) / this.divisor + (rest > 0 ? 1 : 0);
    }
    return feeUnits(this.spec, priceTicks, qtyLots, this.rate);
  }
}
