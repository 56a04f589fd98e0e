import { feeUnits, parseDecimal, type EngineEvent, type ExchangeConfig, type MarketSpec } from '@xtrader/protocol';

export type RefAnswer = { ok: true; available: bigint; locked: bigint; amount: bigint } | { ok: false; code: string };

interface RefHold {
  account: string;
  symbol: string;
  asset: string;
  amount: bigint;
  /** The highest price and largest total quantity the order was locked or amended for. */
  price: number | null;
  qty: number;
  filled: number;
}

/**
 * A deliberately naive ledger, written from the contract's rules and nothing else, for the
 * property test: one map of every `account/asset/available|locked` number, every amount
 * converted from decimals by one plain rational formula, and an order's funds held exactly as
 * long as the order rests on the book (after each command the test tells it which orders are
 * still resting; any other hold is released). Slow and obviously right.
 */
export class ReferenceLedger {
  readonly money = new Map<string, bigint>();
  readonly holds = new Map<string, RefHold>();
  readonly fees = new Map<string, bigint>();
  readonly deposited = new Map<string, bigint>();
  private readonly txs = new Map<string, { content: string; answer: RefAnswer }>();

  constructor(
    private readonly config: ExchangeConfig,
    /** order id -> account, kept by the test (today's engine events carry no account). */
    private readonly owner: Map<string, string>,
  ) {}

  get(account: string, asset: string, which: 'available' | 'locked'): bigint {
    return this.money.get(`${account}/${asset}/${which}`) ?? 0n;
  }

  private add(account: string, asset: string, which: 'available' | 'locked', amount: bigint): void {
    const key = `${account}/${asset}/${which}`;
    this.money.set(key, (this.money.get(key) ?? 0n) + amount);
  }

  /** `text` of `asset` in whole units, or undefined when it is not a positive whole number of units. */
  units(asset: string, text: string): bigint | undefined {
    const decimals = this.config.assets.get(asset)!.decimals;
    const d = parseDecimal(text);
    if (!d || d.mantissa <= 0n) return undefined;
    const num = d.mantissa * 10n ** BigInt(decimals);
    const den = 10n ** BigInt(d.scale);
    return num % den === 0n ? num / den : undefined;
  }

  transfer(kind: 'deposit' | 'withdrawal', tx: string, account: string, asset: string, amount: string): RefAnswer {
    if (!this.config.assets.has(asset)) return { ok: false, code: 'ASSET_NOT_FOUND' };
    const units = this.units(asset, amount);
    if (units === undefined) return { ok: false, code: 'INVALID_AMOUNT' };
    const content = `${kind} ${account} ${asset} ${units}`;
    const earlier = this.txs.get(tx);
    if (earlier) return earlier.content === content ? earlier.answer : { ok: false, code: 'TX_ID_CONFLICT' };
    if (kind === 'withdrawal' && this.get(account, asset, 'available') < units) return { ok: false, code: 'INSUFFICIENT_FUNDS' };
    this.add(account, asset, 'available', kind === 'deposit' ? units : -units);
    this.deposited.set(asset, (this.deposited.get(asset) ?? 0n) + (kind === 'deposit' ? units : -units));
    const answer: RefAnswer = { ok: true, amount: units, available: this.get(account, asset, 'available'), locked: this.get(account, asset, 'locked') };
    this.txs.set(tx, { content, answer });
    return answer;
  }

  /** Quote units of `ticks` x `lots` of a market. */
  private quote(m: MarketSpec, ticks: number, lots: number): bigint {
    const decimals = this.config.assets.get(m.config.quote)!.decimals;
    return exact(BigInt(ticks) * m.tick.mantissa * BigInt(lots) * m.lot.mantissa * 10n ** BigInt(decimals), 10n ** BigInt(m.tick.scale + m.lot.scale));
  }

  private base(m: MarketSpec, lots: number): bigint {
    const decimals = this.config.assets.get(m.config.base)!.decimals;
    return exact(BigInt(lots) * m.lot.mantissa * 10n ** BigInt(decimals), 10n ** BigInt(m.lot.scale));
  }

  private fee(m: MarketSpec, feeUnitCount: number): bigint {
    const decimals = this.config.assets.get(m.config.quote)!.decimals;
    return exact(BigInt(feeUnitCount) * 10n ** BigInt(decimals), 10n ** BigInt(m.config.fee_decimals));
  }

  /**
   * What an order locks: a sell its quantity; a Limit Buy price x quantity plus, per lot, the
   * taker fee of one lot rounded up; a Market Buy by quantity that at the market's max price, or
   * all that is available if less (but something); a Market Buy by quote amount that amount.
   */
  lock(orderId: string, account: string, m: MarketSpec, side: 'Buy' | 'Sell', priceTicks: number | null, lots: number, quote: string | null = null): RefAnswer {
    const asset = side === 'Buy' ? m.config.quote : m.config.base;
    const available = this.get(account, asset, 'available');
    const quoteUnits = quote === null ? undefined : this.units(asset, quote);
    if (quote !== null && quoteUnits === undefined) return { ok: false, code: 'INVALID_AMOUNT' };
    let amount = quoteUnits ?? this.need(m, side, priceTicks ?? m.maxPriceTicks, lots);
    if (side === 'Buy' && priceTicks === null && quote === null && available < amount) amount = available;
    if (amount === 0n || available < amount) return { ok: false, code: 'INSUFFICIENT_FUNDS' };
    this.add(account, asset, 'available', -amount);
    this.add(account, asset, 'locked', amount);
    this.holds.set(orderId, { account, symbol: m.symbol, asset, amount, price: priceTicks, qty: lots, filled: 0 });
    this.owner.set(orderId, account);
    return { ok: true, amount, available: this.get(account, asset, 'available'), locked: this.get(account, asset, 'locked') };
  }

  /** What `lots` of an order need locked: a sell its base; a buy price x lots plus one lot's taker fee (rounded up) per lot. */
  private need(m: MarketSpec, side: 'Buy' | 'Sell', price: number, lots: number): bigint {
    if (side === 'Sell') return this.base(m, lots);
    return this.quote(m, price, lots) + BigInt(lots) * this.fee(m, feeUnits(m, price, 1, m.takerRate));
  }

  /**
   * An amend of a resting order: its hold must cover what is left (the largest total quantity
   * asked so far less what filled) at the highest price asked so far; the shortfall comes from
   * available, or the amend is refused.
   */
  amend(orderId: string, m: MarketSpec, side: 'Buy' | 'Sell', priceTicks: number | undefined, lots: number | undefined): RefAnswer {
    const hold = this.holds.get(orderId)!;
    const price = Math.max(priceTicks ?? hold.price!, hold.price!);
    const qty = Math.max(lots ?? hold.qty, hold.qty);
    const left = qty - hold.filled;
    const need = left > 0 ? this.need(m, side, price, left) : 0n;
    const extra = need > hold.amount ? need - hold.amount : 0n;
    if (this.get(hold.account, hold.asset, 'available') < extra) return { ok: false, code: 'INSUFFICIENT_FUNDS' };
    this.add(hold.account, hold.asset, 'available', -extra);
    this.add(hold.account, hold.asset, 'locked', extra);
    hold.amount += extra;
    hold.price = price;
    hold.qty = qty;
    return { ok: true, amount: extra, available: this.get(hold.account, hold.asset, 'available'), locked: this.get(hold.account, hold.asset, 'locked') };
  }

  /** The trades of a command's events move money; `resting` is every order id still on the book. */
  apply(m: MarketSpec, events: readonly EngineEvent[], resting: ReadonlySet<string>): void {
    const quote = m.config.quote;
    const base = m.config.base;
    for (const e of events) {
      if (e.kind !== 'trade') continue;
      const buyer = e.taker_side === 'Buy' ? e.taker_order_id : e.maker_order_id;
      const seller = e.taker_side === 'Buy' ? e.maker_order_id : e.taker_order_id;
      const buyerFee = this.fee(m, e.taker_side === 'Buy' ? e.taker_fee : e.maker_fee);
      const sellerFee = this.fee(m, e.taker_side === 'Buy' ? e.maker_fee : e.taker_fee);
      const amount = this.quote(m, e.price_ticks, e.qty_lots);
      const b = this.owner.get(buyer)!;
      const s = this.owner.get(seller)!;
      this.holds.get(buyer)!.amount -= amount + buyerFee;
      this.holds.get(buyer)!.filled += e.qty_lots;
      this.holds.get(seller)!.filled += e.qty_lots;
      this.add(b, quote, 'locked', -(amount + buyerFee));
      this.add(b, base, 'available', this.base(m, e.qty_lots));
      this.holds.get(seller)!.amount -= this.base(m, e.qty_lots);
      this.add(s, base, 'locked', -this.base(m, e.qty_lots));
      this.add(s, quote, 'available', amount - sellerFee);
      this.fees.set(quote, (this.fees.get(quote) ?? 0n) + buyerFee + sellerFee);
    }
    for (const [id, hold] of this.holds) {
      if (hold.symbol === m.symbol && !resting.has(id)) {
        this.add(hold.account, hold.asset, 'locked', -hold.amount);
        this.add(hold.account, hold.asset, 'available', hold.amount);
        this.holds.delete(id);
      }
    }
  }
}

function exact(num: bigint, den: bigint): bigint {
  if (num % den !== 0n) throw new Error(`reference: ${num}/${den} is not a whole number of units`);
  return num / den;
}
