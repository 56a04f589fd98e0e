import { acceptedOrder, CLIENT_ORDER_ID_TTL_S, clientOrderFingerprint, orderStateOf, type PlaceCommand, type PlaceOrderAccepted, type SymbolKeys } from '@xtrader/protocol';
import type { PlaceWrite } from './scripts';

/** The answer to a place command: `202 {order_id, status: "ACCEPTED"[, client_order_id]}`. */
export function acceptedAnswer(cmd: PlaceCommand): PlaceOrderAccepted {
  return { order_id: cmd.order_id, status: 'ACCEPTED', ...(cmd.client_order_id !== undefined ? { client_order_id: cmd.client_order_id } : {}) };
}

/**
 * What place-order.lua writes for `cmd` of `accountId` on its symbol (`keys`): the command, its
 * ACCEPTED state, the account's indexes and the client_order_id record. The one spelling of it,
 * used by every writer of a symbol's orders.
 */
export function placeWriteOf(keys: SymbolKeys, cmd: PlaceCommand, accountId: string, accountOrdersMax: number): PlaceWrite {
  const coid = cmd.client_order_id;
  return {
    orderId: cmd.order_id,
    clientOrderKey: keys.clientOrder(accountId, coid ?? '-'),
    accountOpenKey: keys.accountOpen(accountId),
    accountOrdersKey: keys.accountOrders(accountId),
    accountOrdersMax,
    command: JSON.stringify(cmd),
    state: JSON.stringify(orderStateOf(acceptedOrder(cmd, 0))),
    fingerprint: coid === undefined ? '' : clientOrderFingerprint(cmd),
    answer: JSON.stringify(acceptedAnswer(cmd)),
    clientOrderTtlS: CLIENT_ORDER_ID_TTL_S,
  };
}
