import type { MarketSpec } from '@xtrader/protocol';
import { clip } from '../errors';
import { BinanceError } from './errors';

/**
 * The listed markets under Binance's names: base and quote run together (`BTC-KRW` -> `BTCKRW`,
 * `AAPL` (AAPL/USD) -> `AAPLUSD`), and each market's number formats. Built once from the config.
 */
export class BinanceMarkets {
  private readonly byName = new Map<string, MarketSpec>();
  private readonly names = new Map<string, string>();

  constructor(readonly markets: ReadonlyMap<string, MarketSpec>) {
    for (const spec of markets.values()) {
      const name = `${spec.config.base}${spec.config.quote}`;
      if (this.byName.has(name)) throw new Error(`markets ${this.byName.get(name)!.symbol} and ${spec.symbol} share the Binance name ${name}`);
      this.byName.set(name, spec);
      this.names.set(spec.symbol, name);
    }
  }

  /** The market a Binance `symbol` names (-1121 otherwise). */
  spec(name: string): MarketSpec {
    const spec = this.byName.get(name);
    if (!spec) throw new BinanceError('BAD_SYMBOL', `Invalid symbol. ${clip(name)} is not listed; listed: ${[...this.byName.keys()].join(', ')}`);
    return spec;
  }

  nameOf(symbol: string): string {
    return this.names.get(symbol) ?? symbol.replace('-', '');
  }

  all(): MarketSpec[] {
    return [...this.markets.values()];
  }
}

/**
 * A wire number (exact decimal of at most 15 significant digits, as the exchange sends them) as a
 * string with exactly `decimals` places, the way Binance writes amounts ("0.50000000"). A value
 * finer than `decimals` keeps its own digits rather than being rounded.
 */
export function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  if (Number(text) === value) return text;
  return plain(value);
}

/** A wire number as a plain decimal string (never exponent notation). */
export function plain(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Decimal places of each of a market's amounts. */
export interface MarketDecimals {
  price: number;
  quantity: number;
  /** Quote amounts (notional, fees): the fee unit of the quote currency. */
  quote: number;
}

export function decimalsOf(spec: MarketSpec): MarketDecimals {
  return { price: spec.tick.scale, quantity: spec.lot.scale, quote: spec.config.fee_decimals };
}
