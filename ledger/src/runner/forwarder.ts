import type { RedisClient } from '@xtrader/platform';
import { DEFAULT_ACCOUNT_ORDERS_MAX, DEFAULT_CLIENT_ORDER_ID_TTL_S, entryField, FIELDS, OutboxEntry, symbolKeys } from '@xtrader/protocol';
import { clientOrderRecordOf, placeWriteOf } from '../../../api/src/orders/place-write';
import { ApiScripts } from '../../../api/src/orders/scripts';
import type { ClientOrderRecords } from './client-order-records';

/** One outbox entry as read: its stream id and what to forward. */
export interface Outgoing {
  id: string;
  entry: OutboxEntry;
}

/**
 * Hands a ledger shard's granted commands (its `outbox`) to their symbols' command streams. Each
 * append is one script in the symbol's slot that appends nothing the second time (a place by its
 * order key, an amend by a marker of its request id), so the shard may forward an entry again
 * after a crash, before it committed `forwarded`, and every command still reaches its symbol once.
 */
export class Forwarder {
  private readonly scripts: ApiScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** Writes the symbols' client_order_id records, within their bounds. */
    private readonly clientOrders: ClientOrderRecords,
    /** The bound of each account's recent-orders index, as the api keeps it. */
    private readonly accountOrdersMax = DEFAULT_ACCOUNT_ORDERS_MAX,
  ) {
    this.scripts = new ApiScripts(redis);
  }

  /** The outbox entries after `after` (an id, or undefined from the start), at most `count`. */
  async pending(outbox: string, after: string | undefined, count: number): Promise<Outgoing[]> {
    const rows = await this.redis.xrange(outbox, after === undefined ? '-' : `(${after}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => ({ id, entry: OutboxEntry.parse(JSON.parse(entryField(fields, FIELDS.command) ?? '')) }));
  }

  /**
   * Appends every entry to its symbol's command stream (each at most once, whatever came before):
   * one MULTI per symbol, in the symbol's slot, holding its entries in outbox order.
   */
  async forward(entries: readonly Outgoing[]): Promise<void> {
    const bySymbol = new Map<string, OutboxEntry[]>();
    for (const { entry } of entries) {
      const list = bySymbol.get(entry.symbol);
      if (list) list.push(entry);
      else bySymbol.set(entry.symbol, [entry]);
    }
    // One transaction per symbol, not one for all: the symbols live in different slots.
    await Promise.all([...bySymbol].map(([symbol, list]) => this.appendAll(symbol, list)));
  }

  private async appendAll(symbol: string, entries: readonly OutboxEntry[]): Promise<void> {
    const keys = symbolKeys(symbol, this.prefix);
    const tx = this.redis.multi();
    const now = Date.now();
    for (const { command } of entries) {
      if (command.kind === 'place') {
        // The order and its client_order_id record. Forwarded again (the order is stored
        // already), nothing is appended and the record is written again in place.
        const account = command.account_id!;
        this.scripts.placeOrder(tx, keys, placeWriteOf(keys, command, account, this.accountOrdersMax));
        const record = clientOrderRecordOf(keys, command, account);
        if (record) this.clientOrders.queue(tx, keys.clientOrders(account), [record], now);
      } else {
        this.scripts.appendOnce(tx, keys.commands, keys.amendForwarded(command.request_id), JSON.stringify(command), DEFAULT_CLIENT_ORDER_ID_TTL_S);
      }
    }
    const failed = ((await tx.exec()) ?? []).find(([err]) => err);
    if (failed) throw failed[0]!;
  }
}
