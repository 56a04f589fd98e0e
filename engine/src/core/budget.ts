import { parseDecimal, type MarketSpec } from '@xtrader/protocol';
import { InvalidCommandError } from './errors';
import type { FeeRate } from './fees';

/**
 * The quote budget of a Market Buy (`quote_quantity`, or the `spend_limit` the ledger locked):
 * the order takes a fill only while its price x quantity plus its taker fee (exactly the fee the
 * trade will charge, rounded up as fees.ts does) fits what is left of the budget.
 *
 * Amounts are bigints of one "cost unit", 10^-S of the quote with S the larger of the scales of
 * tick x lot and of the fee unit, so every notional and every fee is a whole number of them and
 * nothing is rounded. The budget, given in the quote asset's own unit, is rounded down to a cost
 * unit: every amount an order can spend is a whole number of cost units, so that changes no
 * decision. Only budget orders come here; a plain order's match loop never touches a bigint.
 */
export class Budget {
  /** Cost units in one tick x one lot, and in one fee unit. */
  private readonly perTickLot: bigint;
  private readonly perFeeUnit: bigint;
  private readonly scale: number;
  /** The taker fee of a fill is ceil(price x lots x feeNum / feeDen) fee units (for the first guess only). */
  private readonly feeNum: bigint;
  private readonly feeDen: bigint;
  /** What is left to spend, in cost units. */
  private left = 0n;

  constructor(
    spec: MarketSpec,
    private readonly takerFee: FeeRate,
  ) {
    const tickLotScale = spec.tick.scale + spec.lot.scale;
    const feeScale = spec.config.fee_decimals;
    this.scale = Math.max(tickLotScale, feeScale);
    this.perTickLot = spec.tick.mantissa * spec.lot.mantissa * 10n ** BigInt(this.scale - tickLotScale);
    this.perFeeUnit = 10n ** BigInt(this.scale - feeScale);
    const rate = spec.takerRate;
    this.feeNum = spec.tick.mantissa * spec.lot.mantissa * rate.mantissa * 10n ** BigInt(feeScale);
    this.feeDen = 10n ** BigInt(tickLotScale + rate.scale);
  }

  /** Starts a budget order: the smaller of the two amounts given (decimal strings of the quote). */
  start(orderId: string, quoteQuantity: string | undefined, spendLimit: string | undefined): void {
    let left: bigint | undefined;
    for (const amount of [quoteQuantity, spendLimit]) {
      if (amount === undefined) continue;
      const units = this.toUnits(orderId, amount);
      if (left === undefined || units < left) left = units;
    }
    this.left = left ?? 0n;
  }

  private toUnits(orderId: string, amount: string): bigint {
    const d = parseDecimal(amount);
    if (d === undefined) throw new InvalidCommandError(`order ${orderId}: quote amount ${amount} is not a plain decimal`);
    return d.scale <= this.scale ? d.mantissa * 10n ** BigInt(this.scale - d.scale) : d.mantissa / 10n ** BigInt(d.scale - this.scale);
  }

  /** What a fill of `lots` at `priceTicks` costs, in cost units. */
  private cost(priceTicks: number, lots: number): bigint {
    return BigInt(priceTicks) * BigInt(lots) * this.perTickLot + BigInt(this.takerFee.of(priceTicks, lots)) * this.perFeeUnit;
  }

  /**
   * The most lots, up to `lots`, that one fill at `priceTicks` may take within what is left. The
   * cost grows with the lots, so it is the largest count whose cost fits: first guessed from the
   * exact rate (the rounding up of the fee adds less than one fee unit), then searched below it.
   */
  affordable(priceTicks: number, lots: number): number {
    const left = this.left;
    if (this.cost(priceTicks, lots) <= left) return lots;
    const perLot = BigInt(priceTicks) * (this.perTickLot * this.feeDen + this.feeNum * this.perFeeUnit);
    let hi = Number((left * this.feeDen) / perLot);
    if (hi >= lots) hi = lots - 1;
    if (hi <= 0) return 0;
    if (this.cost(priceTicks, hi) <= left) return hi;
    // The guess overshot by the fee's rounding: the largest fitting count lies in [0, hi).
    let lo = 0;
    hi -= 1;
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (this.cost(priceTicks, mid) <= left) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Takes a fill's cost off what is left (the fill was sized by {@link affordable}). */
  spend(priceTicks: number, lots: number): void {
    this.left -= this.cost(priceTicks, lots);
  }
}
