import type { RedisClient } from '@xtrader/platform';
import { CLIENT_ORDER_ID_TTL_S, DEFAULT_ACCOUNT_ORDERS_MAX, entryField, FIELDS, OutboxEntry, symbolKeys } from '@xtrader/protocol';
import { placeWriteOf } from '../../../api/src/orders/place-write';
import { ApiScripts } from '../../../api/src/orders/scripts';

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

  /** Appends every entry to its symbol's command stream (each at most once, whatever came before). */
  async forward(entries: readonly Outgoing[]): Promise<void> {
    // Separate calls, not one pipeline: the symbols live in different slots.
    await Promise.all(entries.map(({ entry }) => this.append(entry)));
  }

  private async append({ symbol, command }: OutboxEntry): Promise<void> {
    const keys = symbolKeys(symbol, this.prefix);
    if (command.kind === 'place') {
      await this.scripts.placeOrder(keys, placeWriteOf(keys, command, command.account_id!, this.accountOrdersMax));
    } else {
      await this.scripts.appendOnce(keys.commands, keys.amendForwarded(command.request_id), JSON.stringify(command), CLIENT_ORDER_ID_TTL_S);
    }
  }
}
