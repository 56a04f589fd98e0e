/** 0..999 as strings, plain and zero-padded to three digits. */
const PLAIN = Array.from({ length: 1000 }, (_, i) => String(i));
const PADDED = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Trade ids `${symbol}-${seq}`. Converting a fresh sequence number to a string on every trade
 * missed V8's number-string cache and cost a runtime call (about 5% of a shallow-book run); here
 * the thousands are converted once per thousand sequence numbers and the last three digits come
 * from a table, so a trade id is a single concatenation.
 */
export class TradeIds {
  private thousands = 0;
  /** `${symbol}-${thousands}`, or `${symbol}-` while the sequence is below 1000. */
  private head: string;

  constructor(private readonly prefix: string) {
    this.head = prefix;
  }

  of(seq: number): string {
    const thousands = Math.floor(seq / 1000);
    if (thousands !== this.thousands) {
      this.thousands = thousands;
      this.head = thousands === 0 ? this.prefix : this.prefix + thousands;
    }
    const rest = seq - thousands * 1000;
    return this.head + (thousands === 0 ? PLAIN[rest] : PADDED[rest]);
  }
}
