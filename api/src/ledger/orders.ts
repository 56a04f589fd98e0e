import { lockOfPlace, type AmendCommand, type PlaceCommand, type PlaceOrderAccepted } from '@xtrader/protocol';
import { acceptedAnswer } from '../orders/place-write';
import { durable } from '../orders/store';
import type { NormalizedOrder } from '../orders/validate';
import { refusalError, type LedgerShardClient } from './shard-client';

/**
 * What a place sent through the ledger came to: `granted` (locked, committed and in its symbol's
 * stream), `retry` (the client_order_id's first order, locked once), `unanswered` (no answer in
 * time: the request is durable and may still be granted). A refusal throws its `XtError`.
 */
export type LedgerPlaced = { kind: 'granted' | 'retry' | 'unanswered'; answer: PlaceOrderAccepted };

/**
 * Places and amends go through the account's ledger shard: the shard locks the funds and only
 * then forwards the command to the symbol's stream (docs/ledger.md, "Placing an order with
 * balances"), so nothing reaches a book unfunded. Cancels need no funds and go straight to the
 * symbol (`OrderStore`).
 */
export class LedgerOrders {
  constructor(private readonly ledger: LedgerShardClient) {}

  /** Locks and places `order` as `orderId` of `accountId`. */
  async place(order: NormalizedOrder, orderId: string, accountId: string): Promise<LedgerPlaced> {
    const symbol = order.spec.symbol;
    const place: PlaceCommand = {
      v: 1,
      kind: 'place',
      order_id: orderId,
      ...(order.clientOrderId !== undefined ? { client_order_id: order.clientOrderId } : {}),
      side: order.side,
      type: order.type,
      tif: order.tif,
      price_ticks: order.priceTicks,
      qty_lots: order.qtyLots,
      account_id: accountId,
      ...(order.quoteQuantity !== undefined ? { quote_quantity: order.quoteQuantity } : {}),
      ...(order.selfTradePrevention !== undefined ? { self_trade_prevention: order.selfTradePrevention } : {}),
    };
    const answer = await durable(
      () => this.ledger.ask({ kind: 'lock', request_id: orderId, lock: lockOfPlace(accountId, symbol, place, order.quoteQuantity ?? null), place }),
      'the order may or may not have been appended; retry with the same client_order_id (without one, look for the order before placing it again)',
    );
    if (answer === undefined) return { kind: 'unanswered', answer: acceptedAnswer(place) };
    if (!answer.ok) throw refusalError(answer);
    if (answer.order_id !== undefined && answer.order_id !== orderId) return { kind: 'retry', answer: acceptedAnswer({ ...place, order_id: answer.order_id }) };
    return { kind: 'granted', answer: acceptedAnswer(place) };
  }

  /**
   * Locks what amending `orderId` to `change` needs and sends the amend (answered by the engine
   * on the outcomes channel with `requestId`); false when the ledger did not answer in time.
   */
  async amend(orderId: string, requestId: string, change: { qtyLots?: number; priceTicks?: number }, accountId: string): Promise<boolean> {
    const amend: AmendCommand = { v: 1, kind: 'amend', order_id: orderId, request_id: requestId, account_id: accountId };
    if (change.qtyLots !== undefined) amend.qty_lots = change.qtyLots;
    if (change.priceTicks !== undefined) amend.price_ticks = change.priceTicks;
    const answer = await durable(
      () =>
        this.ledger.ask({
          kind: 'amend',
          request_id: requestId,
          amend_lock: { v: 1, kind: 'amend_lock', order_id: orderId, account_id: accountId, qty_lots: amend.qty_lots, price_ticks: amend.price_ticks },
          amend,
        }),
      'the amend may or may not have been sent; read the order before amending it again',
    );
    if (answer === undefined) return false;
    if (!answer.ok) throw refusalError(answer);
    return true;
  }
}
