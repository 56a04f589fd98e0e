import { loadMarketMap } from '@xtrader/protocol/node';
import type { EngineEvent, MarketSpec, PlaceCommand, SelfTradePrevention, TimedCommand } from '@xtrader/protocol';
import { MatchingCore, type BookDepth } from '../../src/core';

/** Markets of the shipped config (BTC-KRW, ETH-KRW, AAPL). */
export const markets = loadMarketMap();
export const BTC: MarketSpec = markets.get('BTC-KRW')!;
export const AAPL: MarketSpec = markets.get('AAPL')!;

let clock = 1_700_000_000_000;

type Tif = PlaceCommand['tif'];
/** A place command with its time, as the runner hands it to the core. */
export type TimedPlace = PlaceCommand & { ts: number };

/** A Limit order (GTC unless told) as the runner hands it to the core. */
export function limit(side: 'Buy' | 'Sell', orderId: string, qtyLots: number, priceTicks: number, tif: Tif = 'GTC', ts = ++clock): TimedPlace {
  return { v: 1, kind: 'place', order_id: orderId, side, type: 'Limit', tif, price_ticks: priceTicks, qty_lots: qtyLots, ts };
}
export const buy = (id: string, qty: number, price: number, tif?: Tif) => limit('Buy', id, qty, price, tif);
export const sell = (id: string, qty: number, price: number, tif?: Tif) => limit('Sell', id, qty, price, tif);

export function market(side: 'Buy' | 'Sell', orderId: string, qtyLots: number, tif: Tif = 'IOC', ts = ++clock): TimedPlace {
  return { v: 1, kind: 'place', order_id: orderId, side, type: 'Market', tif, price_ticks: null, qty_lots: qtyLots, ts };
}

/** A Market Buy by quote amount: spend at most `quote` (fee included); its quantity is the market's maximum. */
export function quoteBuy(orderId: string, quote: string, spec: MarketSpec = BTC, tif: Tif = 'IOC'): TimedPlace {
  return { ...market('Buy', orderId, spec.maxLots, tif), quote_quantity: quote };
}

/** `cmd` placed by `account`, with a self-trade prevention mode when given. */
export function by(account: string, cmd: TimedPlace, stp?: SelfTradePrevention): TimedPlace {
  return stp === undefined ? { ...cmd, account_id: account } : { ...cmd, account_id: account, self_trade_prevention: stp };
}

export function cancel(orderId: string, requestId = `req-${orderId}`, ts = ++clock): TimedCommand {
  return { v: 1, kind: 'cancel', order_id: orderId, request_id: requestId, ts };
}

/** An amend of `orderId` to a new total quantity and/or price, as the runner hands it to the core. */
export function amend(orderId: string, change: { qty?: number; price?: number }, requestId = `amend-${orderId}`, ts = ++clock): TimedCommand {
  const cmd: TimedCommand = { v: 1, kind: 'amend', order_id: orderId, request_id: requestId, ts };
  if (change.qty !== undefined) cmd.qty_lots = change.qty;
  if (change.price !== undefined) cmd.price_ticks = change.price;
  return cmd;
}

/**
 * One short line per event, for tables that read like a trade log:
 * `accepted t1`, `trade t1<-m1 5@100 fee 5/3 left 2/0`, `rested t1 2@101`,
 * `cancelled t1 2 ioc_remainder`, `rejected t1 FOK_CANNOT_FILL`, `book Sell 100=0`,
 * `amended t1 kept 4/3@100` (kept priority; quantity 4 of which 3 left, at 100), `amended t1 moved 4/3@101`,
 * `amend_rejected t1 NOTHING_CHANGED`.
 */
export function summarize(e: EngineEvent): string {
  switch (e.kind) {
    case 'accepted':
      return `accepted ${e.order_id}`;
    case 'rejected':
      return `rejected ${e.order_id} ${e.code}`;
    case 'trade':
      return `trade ${e.taker_order_id}<-${e.maker_order_id} ${e.qty_lots}@${e.price_ticks} fee ${e.taker_fee}/${e.maker_fee} left ${e.taker_remaining_lots}/${e.maker_remaining_lots}`;
    case 'rested':
      return `rested ${e.order_id} ${e.remaining_lots}@${e.price_ticks}`;
    case 'cancelled':
      return `cancelled ${e.order_id} ${e.remaining_lots} ${e.reason}${e.request_id ? ` ${e.request_id}` : ''}`;
    case 'cancel_rejected':
      return `cancel_rejected ${e.order_id} ${e.code} ${e.request_id}`;
    case 'amended':
      return `amended ${e.order_id} ${e.kept_priority ? 'kept' : 'moved'} ${e.qty_lots}/${e.remaining_lots}@${e.price_ticks}`;
    case 'amend_rejected':
      return `amend_rejected ${e.order_id} ${e.code}`;
    case 'book':
      return `book ${e.side} ${e.price_ticks}=${e.qty_lots}`;
  }
}

/**
 * The book as a ladder, asks on top (highest first) and bids below (highest first), one level per
 * line, so a failing assertion shows the book a trader would see:
 * ```
 * ask 102 x 5
 * ask 101 x 3
 * ---
 * bid 100 x 2
 * ```
 */
export function renderBook(depth: BookDepth): string {
  const lines: string[] = [];
  for (const [price, lots] of [...depth.asks].reverse()) lines.push(`ask ${price} x ${lots}`);
  lines.push('---');
  for (const [price, lots] of depth.bids) lines.push(`bid ${price} x ${lots}`);
  return lines.join('\n');
}

/** A `renderBook` string from a compact template literal: strips indentation and blank lines. */
export function ladder(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

/** A core with `setup` applied; returns it and the events of `cmd` (as summary lines) and the book after. */
export function run(setup: TimedCommand[], cmd: TimedCommand, spec = BTC) {
  const core = new MatchingCore(spec);
  for (const c of setup) core.apply(c);
  const events = core.apply(cmd);
  return { core, events, lines: events.map(summarize), book: renderBook(core.depth(50)) };
}

/** One row of a table test: a book made by `setup`, one command, its events and the book after. */
export interface Case {
  name: string;
  setup: TimedCommand[];
  cmd: TimedCommand;
  events: string[];
  book: string;
}

/** Seeded random numbers so random tapes are the same on every run. */
export { seededRandom as prng } from '@xtrader/platform';
