import type { Execution, MarketMessage, Trade } from '@xtrader/protocol';

const q = JSON.stringify;

/** A number as JSON.stringify writes it (wire numbers are finite; anything else is null). */
function num(x: number): string {
  return Number.isFinite(x) ? `${x}` : 'null';
}

/**
 * `JSON.stringify(m)` of a feed message, with the Execution (one per trade, most of the feed)
 * written out directly. That form depends on the key order MarketData builds executions in (kept
 * by a snapshot's JSON); an execution missing any field goes through JSON.stringify.
 */
export function marketMessageJson(m: MarketMessage): string {
  return m.type === 'Execution' ? executionJson(m) : q(m);
}

function executionJson(m: Execution): string {
  if (m.maker_order_id === undefined || m.maker_fee === undefined || m.timestamp === undefined || m.transaction_time === undefined || m.sequence === undefined || m.prev_sequence === undefined) {
    return q(m);
  }
  return (
    `{"type":"Execution","exec_id":${q(m.exec_id)},"order_id":${q(m.order_id)},"maker_order_id":${q(m.maker_order_id)},"symbol":${q(m.symbol)},` +
    `"side":"${m.side}","price":${num(m.price)},"quantity":${num(m.quantity)},"fee":${num(m.fee)},"maker_fee":${num(m.maker_fee)},` +
    `"timestamp":${num(m.timestamp)},"transaction_time":${q(m.transaction_time)},"sequence":${num(m.sequence)},"prev_sequence":${num(m.prev_sequence)}}`
  );
}

/** `JSON.stringify(t)` of a trade as MarketData builds it (the stored trade list's entries). */
export function tradeJson(t: Trade): string {
  return `{"exec_id":${q(t.exec_id)},"symbol":${q(t.symbol)},"price":${num(t.price)},"quantity":${num(t.quantity)},"side":"${t.side}","timestamp":${num(t.timestamp)},"sequence":${num(t.sequence)}}`;
}
