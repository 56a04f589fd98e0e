import { clip } from '../errors';
import { BinanceError } from './errors';

/**
 * A Binance request's parameters: the query string and a form body (`application/x-www-form-urlencoded`,
 * as Binance clients send POSTs) together, each name at most once. Routes take what they read;
 * anything sent and never read is refused (-1104), so a misspelt parameter never changes an order
 * silently.
 */
export class BinanceParams {
  private readonly values = new Map<string, string>();
  private readonly read = new Set<string>();

  constructor(query: string, body: string) {
    for (const part of [query, body]) {
      if (part === '') continue;
      for (const [name, value] of new URLSearchParams(part)) {
        if (this.values.has(name)) throw new BinanceError('TOO_MANY_PARAMETERS', `Duplicate values for a parameter detected: ${clip(name)}.`);
        this.values.set(name, value);
      }
    }
  }

  /** An optional parameter ('' counts as sent: Binance refuses empty values). */
  optional(name: string): string | undefined {
    this.read.add(name);
    const v = this.values.get(name);
    if (v === '') throw new BinanceError('PARAM_EMPTY', `Parameter '${name}' was empty.`);
    return v;
  }

  required(name: string): string {
    const v = this.optional(name);
    if (v === undefined) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
    return v;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Marks parameters as read without using them (the signing ones). */
  accept(...names: string[]): void {
    for (const n of names) this.read.add(n);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], value: string | undefined = this.optional(name)): T | undefined {
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) throw new BinanceError('ILLEGAL_CHARS', `Illegal characters found in parameter '${name}'; legal values are ${allowed.join(', ')}.`);
    return value as T;
  }

  /** A whole number from `min` to `max`. */
  integer(name: string, min: number, max: number): number | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) throw new BinanceError('ILLEGAL_CHARS', `Illegal characters found in parameter '${name}'; legal range is '${min}' - '${max}'.`);
    return n;
  }

  /** A plain decimal string, passed on as it is (the shared validation converts it exactly). */
  decimal(name: string): string | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,30}(\.\d{1,30})?$/.test(v)) throw new BinanceError('ILLEGAL_CHARS', `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
    return v;
  }

  /** Refuses parameters that were sent and never read. */
  finish(): void {
    const unread = [...this.values.keys()].filter((n) => !this.read.has(n));
    if (unread.length > 0) {
      const named = unread.slice(0, 3).map(clip).join(', ');
      throw new BinanceError('UNREAD_PARAMETERS', `Not all sent parameters were read; not read: ${named}${unread.length > 3 ? ` and ${unread.length - 3} more` : ''}.`);
    }
  }
}
