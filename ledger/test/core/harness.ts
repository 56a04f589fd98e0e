import { loadExchangeConfig } from '@xtrader/protocol/node';
import { lockOfPlace, type EngineEvent, type PlaceCommand, type TimedCommand, type TransferCommand } from '@xtrader/protocol';
import { MatchingCore } from '../../../engine/src/core';
import type { Ledger } from '../../src/core';

/** The shipped config: assets KRW 2, BTC 8, ETH 8, USD 4, AAPL 0 and the three markets. */
export const config = loadExchangeConfig();

export const deposit = (tx_id: string, account_id: string, asset: string, amount: string | number): TransferCommand => ({ v: 1, kind: 'deposit', tx_id, account_id, asset, amount });
export const withdrawal = (tx_id: string, account_id: string, asset: string, amount: string | number): TransferCommand => ({ v: 1, kind: 'withdrawal', tx_id, account_id, asset, amount });

/** The lock command of a place command, as the api sends it for `account`. */
export const lockOf = lockOfPlace;

/**
 * One matching core per symbol feeding one or more ledgers, the way the exchange is wired: an
 * order is locked by its account's ledger first and reaches its core only when the lock is
 * granted; every core's events go to every ledger (each applies the legs it holds).
 */
export class Exchange {
  readonly cores = new Map<string, MatchingCore>();
  private ts = 1_700_000_000_000;
  private n = 0;

  constructor(
    private readonly ledgerOf: (account: string) => Ledger,
    private readonly ledgers: readonly Ledger[],
  ) {
    for (const m of config.markets) this.cores.set(m.symbol, new MatchingCore(m));
  }

  /** Locks then places; returns the lock's answer and the core's events (none when refused). */
  place(account: string, symbol: string, order: Omit<PlaceCommand, 'v' | 'kind' | 'order_id'> & { order_id?: string }) {
    const cmd: PlaceCommand = { v: 1, kind: 'place', ...order, order_id: order.order_id ?? `o${++this.n}`, account_id: account };
    const answer = this.ledgerOf(account).lock(lockOf(account, symbol, cmd, cmd.quote_quantity ?? null));
    if (!answer.ok) return { answer, events: [] as EngineEvent[], orderId: cmd.order_id };
    const place = answer.spend_limit === undefined ? cmd : { ...cmd, spend_limit: answer.spend_limit };
    return { answer, events: this.apply(symbol, { ...place, ts: ++this.ts }), orderId: cmd.order_id };
  }

  cancel(symbol: string, orderId: string): EngineEvent[] {
    return this.apply(symbol, { v: 1, kind: 'cancel', order_id: orderId, request_id: `c-${orderId}-${++this.n}`, ts: ++this.ts });
  }

  private apply(symbol: string, cmd: TimedCommand): EngineEvent[] {
    const events = this.cores.get(symbol)!.apply(cmd);
    for (const l of this.ledgers) l.applyEvents(symbol, events);
    return events;
  }
}
