import { SYMBOL_PATTERN } from './symbols';

/**
 * Order ids say which symbol an order is on: `<SYMBOL>_<uuid v4>` (`BTC-KRW_0f8e…`), so reading,
 * cancelling or amending one reads that symbol's keys only (one Redis Cluster slot) instead of
 * every symbol's. `_` is in no symbol and in no UUID, and in Binance's client order id alphabet
 * (a Binance answer shows the order id there when the order has no client order id). At most
 * 25 + 1 + 36 = 62 characters.
 *
 * Ids given before this form (a bare UUID) have no symbol: {@link symbolOfOrderId} answers
 * undefined for them, and their readers look in every symbol.
 */
const ORDER_ID = new RegExp(`^(${SYMBOL_PATTERN})_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

/** The id of a new order on `symbol`; `uuid` is a fresh UUID v4 (the caller's `randomUUID()`). */
export function orderIdOn(symbol: string, uuid: string): string {
  const id = `${symbol}_${uuid}`;
  if (!ORDER_ID.test(id)) throw new Error(`not a symbol and a UUID: ${JSON.stringify(symbol)}, ${JSON.stringify(uuid)}`);
  return id;
}

/** The symbol an order id names, or undefined for an id of another form (one given before ids named their symbol). */
export function symbolOfOrderId(orderId: string): string | undefined {
  return ORDER_ID.exec(orderId)?.[1];
}
