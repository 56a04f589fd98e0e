import { seededRandom } from '@xtrader/platform';
import { formatSteps, type MarketSpec, type PlaceOrderRequest, type Side } from '@xtrader/protocol';
import type { ApiClient } from '../api-client';
import type { HttpAnswer } from './http-sender';
import { midPriceTicks, placeOutcome } from './order-flow';
import type { ExecutionSeen } from './subscribers';
import type { Command, Outcome, Workload, WorkloadContext } from './workload';

export interface MakerOptions {
  /** Maker accounts; each quotes `levels` price levels a side on every symbol. */
  makers: number;
  /** Taker accounts; each alternates Buy and Sell so its balances stay near where they started. */
  takers: number;
  levels: number;
  /** Cancel/replace pairs (a cancel and the new quote) per taker order. */
  cancelsPerTaker: number;
}

/** A quote the maker knows rests: its 202 named it, and no cancel of it has been sent. */
interface Quote {
  orderId: string;
  side: Side;
  /** 1 = next to the mid price. */
  level: number;
}

/** One maker's quotes on one symbol. */
interface MakerBook {
  maker: ApiClient;
  market: number;
  resting: Quote[];
}

/** The prices of one market: `levels` ticks a side around a mid-range mid price. */
interface Ladder {
  symbol: string;
  quantity: string;
  /** bid[k] / ask[k]: k ticks below / above the mid (index 0 unused). */
  bid: string[];
  ask: string[];
}

/**
 * `--workload maker`: a book kept deep the way market makers keep it. Before the clock, every
 * maker rests `levels` Buys below the mid and as many Sells above it on each symbol (so no maker
 * order ever crosses another). On the clock, each cycle of 2 x cancelsPerTaker + 1 slots is
 * cancelsPerTaker times "cancel a quote the maker knows rests, and place its replacement one
 * level nearer or farther", then one taker order: an IOC Limit at the far end of the opposite
 * ladder and the minimum quantity, so it takes the best quote there is and never rests.
 *
 * A maker does not watch its fills: a cancel may name a quote a taker filled meanwhile, which
 * answers 404 ORDER_NOT_FOUND. That is counted apart, not as an error, once an Execution shows
 * that quote traded; a 404 for a quote never seen traded is an error.
 */
export class MakerWorkload implements Workload {
  readonly name = 'maker';
  readonly makersMustExecute = false;
  private readonly ladders: Ladder[];
  private readonly books: MakerBook[] = [];
  /** Each taker's side of its next order, per symbol: Buy and Sell alternate on each. */
  private takers: { account: ApiClient; next: Side[] }[] = [];
  /** Seeded: the same run picks the same quotes. */
  private readonly rand = seededRandom(0x5eed);
  private slot = 0;
  private nextBook = 0;
  private nextTaker = 0;
  private replacement?: Command;
  /** Maker order ids seen in an Execution whose cancel has not been refused yet. */
  private readonly filled = new Set<string>();
  /** Cancels answered 404 before any Execution of their quote was seen: sample answer by id. */
  private readonly unexplained = new Map<string, string>();
  readonly counts = { seeded: 0, places: 0, cancels: 0, cancelsOfFilled: 0, takers: 0, noQuote: 0 };

  constructor(
    markets: MarketSpec[],
    private readonly opts: MakerOptions,
  ) {
    this.ladders = markets.map((m) => {
      const mid = midPriceTicks(m);
      if (mid - opts.levels < 1 || mid + opts.levels > m.maxPriceTicks) throw new Error(`${m.symbol}: ${opts.levels} levels a side do not fit around the mid price`);
      const at = (k: number) => formatSteps(k, m.tick);
      const ks = Array.from({ length: opts.levels + 1 }, (_, k) => k);
      return { symbol: m.symbol, quantity: formatSteps(m.minLots, m.lot), bid: ks.map((k) => at(mid - k)), ask: ks.map((k) => at(mid + k)) };
    });
  }

  async setup(ctx: WorkloadContext): Promise<void> {
    const makers = await Promise.all(Array.from({ length: this.opts.makers }, () => ctx.newAccount('maker')));
    this.takers = await Promise.all(
      Array.from({ length: this.opts.takers }, async (_, i) => ({ account: await ctx.newAccount('taker'), next: this.ladders.map((): Side => (i % 2 === 0 ? 'Buy' : 'Sell')) })),
    );
    for (const maker of makers) for (let market = 0; market < this.ladders.length; market++) this.books.push({ maker, market, resting: [] });
    // The initial quotes, a bounded number in flight: not on the clock and not measured.
    const seeds = this.books.flatMap((book) => (['Buy', 'Sell'] as const).flatMap((side) => Array.from({ length: this.opts.levels }, (_, k) => ({ book, side, level: k + 1 }))));
    for (let i = 0; i < seeds.length; i += 64) {
      await Promise.all(
        seeds.slice(i, i + 64).map(async ({ book, side, level }) => {
          const body = JSON.stringify(this.quote(book, side, level));
          const res = await ctx.sender.post('/api/v1/order', body, book.maker.sign('POST', '/api/v1/order', body));
          const outcome = placeOutcome(res);
          if (outcome.kind !== 'ok') throw new Error(`placing a maker's initial quote: ${outcome.what}`);
          book.resting.push({ orderId: outcome.orderId!, side, level });
          this.counts.seeded++;
        }),
      );
    }
  }

  next(): Command | undefined {
    const cycle = 2 * this.opts.cancelsPerTaker + 1;
    const p = this.slot++ % cycle;
    if (p === cycle - 1) return this.taker();
    if (p % 2 === 0) return this.cancel();
    const place = this.replacement;
    this.replacement = undefined;
    return place;
  }

  closing(): Command[] {
    // A cancel whose replacement was not sent yet: send it, so every maker keeps its quote count.
    const place = this.replacement;
    this.replacement = undefined;
    return place ? [place] : [];
  }

  onExecution(e: ExecutionSeen): void {
    if (!e.maker_order_id) return;
    if (!this.unexplained.delete(e.maker_order_id)) this.filled.add(e.maker_order_id);
  }

  settled(): boolean {
    return this.unexplained.size === 0;
  }

  errors(): string[] {
    return [...this.unexplained].map(([id, text]) => `cancel of ${id} refused, and no Execution of it seen: ${text}`);
  }

  report(): string[] {
    const c = this.counts;
    const commands = c.places + c.cancels + c.takers;
    const pct = (n: number) => (commands === 0 ? 0 : Math.round((100 * n) / commands));
    return [
      `maker workload: ${this.opts.makers} makers x ${this.ladders.length} symbol(s) x ${this.opts.levels} levels a side (${c.seeded} quotes placed before the clock), ${this.opts.takers} takers, ${this.opts.cancelsPerTaker} cancel/replace per taker order`,
      `commands: cancels ${c.cancels} (${pct(c.cancels)}%), places ${c.places} (${pct(c.places)}%), takers ${c.takers} (${pct(c.takers)}%); cancel of a filled order ${c.cancelsOfFilled} (not errors); slots with no quote known resting to cancel ${c.noQuote}`,
    ];
  }

  async cleanUp(): Promise<void> {
    const makers = new Set(this.books.map((b) => b.maker));
    await Promise.all([...makers].map((m) => m.request('DELETE', '/api/v1/orders')));
  }

  private quote(book: MakerBook, side: Side, level: number): PlaceOrderRequest {
    const ladder = this.ladders[book.market];
    return { symbol: ladder.symbol, side, type: 'Limit', price: side === 'Buy' ? ladder.bid[level] : ladder.ask[level], quantity: ladder.quantity };
  }

  /** The cancel of a resting quote of the next maker book that has one, and its replacement. */
  private cancel(): Command | undefined {
    for (let tried = 0; tried < this.books.length; tried++) {
      const book = this.books[this.nextBook++ % this.books.length];
      if (book.resting.length === 0) continue;
      const i = Math.floor(this.rand() * book.resting.length);
      const quote = book.resting[i];
      book.resting[i] = book.resting[book.resting.length - 1];
      book.resting.pop();
      this.replacement = this.replace(book, quote);
      this.counts.cancels++;
      const body = JSON.stringify({ order_id: quote.orderId });
      return { kind: 'cancel', signer: book.maker, path: '/api/v1/order/cancel', body, mustExecute: false, settle: (res) => this.cancelOutcome(quote.orderId, res) };
    }
    // Every quote's answer is still outstanding (the exchange is behind): nothing to cancel.
    this.counts.noQuote++;
    return undefined;
  }

  private cancelOutcome(orderId: string, res: HttpAnswer): Outcome {
    if (res.status === 200) return { kind: 'ok' };
    if (res.status === 404 && (JSON.parse(res.text) as { error?: string }).error === 'ORDER_NOT_FOUND') {
      this.counts.cancelsOfFilled++;
      // Its Execution may reach the socket after this answer: then the drain waits for it.
      if (!this.filled.delete(orderId)) this.unexplained.set(orderId, res.text.slice(0, 120));
      return { kind: 'expected', what: 'cancel of a filled order' };
    }
    return { kind: 'error', what: `HTTP ${res.status} ${res.text.slice(0, 120)}` };
  }

  /** The new quote for a cancelled one: same maker, symbol and side, one level nearer or farther. */
  private replace(book: MakerBook, old: Quote): Command {
    const level = Math.min(this.opts.levels, Math.max(1, old.level + (this.rand() < 0.5 ? -1 : 1)));
    this.counts.places++;
    const body = JSON.stringify(this.quote(book, old.side, level));
    return {
      kind: 'place',
      signer: book.maker,
      path: '/api/v1/order',
      body,
      mustExecute: false,
      settle: (res) => {
        const outcome = placeOutcome(res);
        if (outcome.kind === 'ok') book.resting.push({ orderId: outcome.orderId!, side: old.side, level });
        return outcome;
      },
    };
  }

  /** A crossing order at the far end of the opposite ladder: it takes the best quote. */
  private taker(): Command {
    const taker = this.takers[this.nextTaker % this.takers.length];
    const market = Math.floor(this.nextTaker / this.takers.length) % this.ladders.length;
    const ladder = this.ladders[market];
    this.nextTaker++;
    const side = taker.next[market];
    taker.next[market] = side === 'Buy' ? 'Sell' : 'Buy';
    this.counts.takers++;
    const order: PlaceOrderRequest = {
      symbol: ladder.symbol,
      side,
      type: 'Limit',
      price: side === 'Buy' ? ladder.ask[this.opts.levels] : ladder.bid[this.opts.levels],
      quantity: ladder.quantity,
      time_in_force: 'IOC',
    };
    return { kind: 'taker', signer: taker.account, path: '/api/v1/order', body: JSON.stringify(order), mustExecute: true, settle: placeOutcome };
  }
}
