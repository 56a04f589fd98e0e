import type { Balance, MyTrade, OrderUpdateView } from '@xtrader/protocol';

/** How many of the account's newest orders and trades the page shows. */
export const ORDERS_SHOWN = 100;
export const MY_TRADES_SHOWN = 50;

/** Of two states of one order, the later: the higher engine sequence (REST wins a tie: it is whole). */
function later(a: OrderUpdateView, b: OrderUpdateView): OrderUpdateView {
  return b.sequence >= a.sequence ? b : a;
}

function newestFirst(list: OrderUpdateView[]): OrderUpdateView[] {
  return list.sort((a, b) => b.created_at - a.created_at || (a.order_id < b.order_id ? 1 : -1)).slice(0, ORDERS_SHOWN);
}

/**
 * A REST list of the account's newest orders, merged with what the page already shows: an order
 * pushed while the list was being read keeps its later state, and one placed after the read
 * (newer than every listed order) stays.
 */
export function mergeOrderList(current: readonly OrderUpdateView[] | undefined, listed: readonly OrderUpdateView[]): OrderUpdateView[] {
  const byId = new Map(current?.map((o) => [o.order_id, o]));
  const newestListed = listed.reduce((t, o) => Math.max(t, o.created_at), -Infinity);
  const merged = listed.map((o) => {
    const known = byId.get(o.order_id);
    return known ? later(o, known) : o;
  });
  const listedIds = new Set(listed.map((o) => o.order_id));
  for (const o of current ?? []) if (!listedIds.has(o.order_id) && o.created_at >= newestListed) merged.push(o);
  return newestFirst(merged);
}

/** One pushed order state: replaces an older state of that order, or adds the order. */
export function applyOrderUpdate(current: readonly OrderUpdateView[] | undefined, order: OrderUpdateView): OrderUpdateView[] {
  const list = [...(current ?? [])];
  const i = list.findIndex((o) => o.order_id === order.order_id);
  if (i < 0) list.push(order);
  else list[i] = later(list[i]!, order);
  return newestFirst(list);
}

/** Trades by their own leg (a self-trade has two), newest first. */
export function mergeTrades(current: readonly MyTrade[] | undefined, incoming: readonly MyTrade[]): MyTrade[] {
  const byKey = new Map<string, MyTrade>();
  for (const t of current ?? []) byKey.set(`${t.exec_id}:${t.order_id}`, t);
  for (const t of incoming) byKey.set(`${t.exec_id}:${t.order_id}`, t);
  return [...byKey.values()].sort((a, b) => b.timestamp - a.timestamp).slice(0, MY_TRADES_SHOWN);
}

/** One pushed balance: replaces that asset's row (or adds it), in asset order. */
export function applyBalance(current: readonly Balance[] | undefined, balance: Balance): Balance[] {
  const list = (current ?? []).filter((b) => b.asset !== balance.asset);
  list.push(balance);
  return list.sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
}
