import { acceptedOrder, clientOrderFingerprint, orderStateOf, type PlaceCommand, type PlaceOrderAccepted, type SymbolKeys } from '@xtrader/protocol';
import type { PlaceWrite } from './scripts';

/** The answer to a place command: `202 {order_id, status: "ACCEPTED"[, client_order_id]}`. */
export function acceptedAnswer(cmd: PlaceCommand): PlaceOrderAccepted {
  return { order_id: cmd.order_id, status: 'ACCEPTED', ...(cmd.client_order_id !== undefined ? { client_order_id: cmd.client_order_id } : {}) };
}

/**
 * What place-order.lua writes for `cmd` of `accountId` on its symbol (`keys`): the command, its
 * ACCEPTED state and the account's indexes. The one spelling of it, used by every writer of a
 * symbol's orders.
 */
export function placeWriteOf(keys: SymbolKeys, cmd: PlaceCommand, accountId: string, accountOrdersMax: number): PlaceWrite {
  return {
    orderId: cmd.order_id,
    accountOpenKey: keys.accountOpen(accountId),
    accountOrdersKey: keys.accountOrders(accountId),
    accountOrdersMax,
    command: JSON.stringify(cmd),
    state: JSON.stringify(orderStateOf(acceptedOrder(cmd, 0))),
  };
}

/**
 * The symbol's client_order_id record of `cmd` (none without one): its key and its value, the
 * request fingerprint and the first answer, as `OrderStore.orderIdOfClientOrder` reads it.
 */
export function clientOrderRecordOf(keys: SymbolKeys, cmd: PlaceCommand, accountId: string): [key: string, value: string] | undefined {
  if (cmd.client_order_id === undefined) return undefined;
  return [keys.clientOrder(accountId, cmd.client_order_id), `${clientOrderFingerprint(cmd)}\n${JSON.stringify(acceptedAnswer(cmd))}`];
}
