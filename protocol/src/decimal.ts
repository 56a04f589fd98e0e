import { XtError, type ErrorCode } from './errors';

/**
 * Exact conversion between decimal numbers on the wire and integer steps (ticks, lots) inside.
 *
 * A decimal is held as `mantissa / 10^scale` with a bigint mantissa, so nothing here ever goes
 * through floating point. Input that is not an exact multiple of the step is rejected, never
 * rounded.
 */
export interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^(\d+)(?:\.(\d+))?$/;
/** Longest decimal string accepted on input: guards the bigint maths against absurd payloads. */
const MAX_INPUT_LENGTH = 40;

/**
 * Parses an unsigned plain decimal ("12", "0.5", "50000000"). Returns undefined for anything
 * else: signs, exponents, spaces, hex, empty strings.
 */
export function parseDecimal(text: string): Decimal | undefined {
  if (text.length === 0 || text.length > MAX_INPUT_LENGTH) return undefined;
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  return { mantissa: BigInt(m[1] + frac), scale: frac.length };
}

/** Parses a step size from config (must be a positive plain decimal). */
export function parseStep(text: string): Decimal {
  const d = parseDecimal(text);
  if (!d || d.mantissa <= 0n) throw new Error(`step size must be a positive decimal, got "${text}"`);
  return d;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * Converts a wire value (JSON number or decimal string) into a whole number of `step`s.
 * Throws {@link XtError} with `code` when the value is malformed, not positive, finer than the
 * step, or not a safe integer count of steps. `what` names the field in the message.
 */
export function toSteps(value: unknown, step: Decimal, code: ErrorCode, what: string): number {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new XtError(code, `${what} must be a finite number`);
    text = String(value);
    if (/e/i.test(text)) {
      throw new XtError(code, `${what} ${text} is too small or too large to send as a JSON number; send it as a decimal string`);
    }
  } else if (typeof value === 'string') {
    text = value;
  } else {
    throw new XtError(code, `${what} must be a number or a decimal string`);
  }
  if (text.startsWith('-')) throw new XtError(code, `${what} must be greater than zero`);
  const d = parseDecimal(text);
  if (!d) throw new XtError(code, `${what} "${text}" is not a plain decimal number`);
  if (d.mantissa === 0n) throw new XtError(code, `${what} must be greater than zero`);
  // value / step = (vm / 10^vs) / (sm / 10^ss) = (vm * 10^ss) / (sm * 10^vs)
  const num = d.mantissa * pow10(step.scale);
  const den = step.mantissa * pow10(d.scale);
  if (num % den !== 0n) {
    throw new XtError(code, `${what} ${text} is not a multiple of ${formatDecimal(step)}`);
  }
  const steps = num / den;
  if (steps > BigInt(Number.MAX_SAFE_INTEGER)) throw new XtError(code, `${what} ${text} is out of range`);
  return Number(steps);
}

/** Renders a decimal as the shortest plain string ("0.5", "50000000", "0"). */
export function formatDecimal(d: Decimal): string {
  const negative = d.mantissa < 0n;
  let digits = (negative ? -d.mantissa : d.mantissa).toString();
  if (d.scale > 0) {
    digits = digits.padStart(d.scale + 1, '0');
    const intPart = digits.slice(0, digits.length - d.scale);
    const frac = digits.slice(digits.length - d.scale).replace(/0+$/, '');
    digits = frac ? `${intPart}.${frac}` : intPart;
  }
  return negative ? `-${digits}` : digits;
}

/** `count` steps as a decimal (exact). */
export function stepsToDecimal(count: number | bigint, step: Decimal): Decimal {
  return { mantissa: BigInt(count) * step.mantissa, scale: step.scale };
}

/** `count` steps as a decimal string, e.g. 5000 lots of 0.0001 -> "0.5". */
export function formatSteps(count: number | bigint, step: Decimal): string {
  return formatDecimal(stepsToDecimal(count, step));
}

/**
 * `count` steps as a JSON number for the wire. Exact as long as the decimal has at most 15
 * significant digits (every such decimal survives the round trip through a double); beyond that
 * it throws rather than send a number that silently differs from the book.
 */
export function stepsToNumber(count: number | bigint, step: Decimal): number {
  return decimalToNumber(stepsToDecimal(count, step));
}

export function decimalToNumber(d: Decimal): number {
  const text = formatDecimal(d);
  const significant = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > 15) throw new Error(`${text} cannot be sent exactly as a JSON number`);
  return Number(text);
}
