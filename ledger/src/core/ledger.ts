import {
  feeToQuoteUnits,
  formatAssetAmount,
  lotsToBaseUnits,
  notionalQuoteUnits,
  parseAssetAmount,
  XtError,
  type AssetSpec,
  type EngineEvent,
  type ErrorCode,
  type AmendLockCommand,
  type LockCommand,
  type MarketUnits,
  type TradeEvent,
  type TransferCommand,
} from '@xtrader/protocol';
import { LedgerInvariantError } from './errors';
import { buyLock, isRefusal, orderLock } from './order-lock';

/** One account's balance of one asset, in the asset's units. */
export interface Balance {
  available: bigint;
  locked: bigint;
}

/** What a live order still locks (its hold): released exactly when the order ends. */
export interface Hold {
  readonly order_id: string;
  readonly account_id: string;
  readonly symbol: string;
  readonly asset: string;
  /** The lock command as first applied: a retry with the same content gets the same answer. */
  readonly command: LockCommand;
  /** Units locked for this order in all (when placed, plus what amends added). */
  amount: bigint;
  /** Units still locked for this order. */
  locked: bigint;
  /** The order's terms as last locked for: its limit price (null for a market order) and total quantity. */
  price_ticks: number | null;
  qty_lots: number;
  /** Lots of the order filled so far. */
  filled_lots: number;
}

/** A refusal: a code of the contract's error table and words a person can act on. Nothing changed. */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The answer to an applied deposit or withdrawal (and to every retry of the same one). */
export interface TransferAnswer {
  readonly ok: true;
  readonly kind: TransferCommand['kind'];
  readonly tx_id: string;
  readonly account_id: string;
  readonly asset: string;
  readonly amount: bigint;
  /** The account's balance of the asset right after the transfer. */
  readonly available: bigint;
  readonly locked: bigint;
}

/** The answer to a lock: the order may go to its symbol's stream. */
export interface LockAnswer {
  readonly ok: true;
  readonly order_id: string;
  readonly asset: string;
  readonly amount: bigint;
  /**
   * A Market Buy (by quantity or by quote amount): the amount locked as a decimal of the quote,
   * which its place command carries as `spend_limit` on its way to the symbol's stream, so the
   * engine never spends more than was locked whatever else the command says.
   */
  readonly spend_limit?: string;
}

/** Assets and markets the ledger works with (`parseExchangeConfig` gives both). */
export interface LedgerConfig {
  readonly assets: ReadonlyMap<string, AssetSpec>;
  readonly units: ReadonlyMap<string, MarketUnits>;
}

export interface LedgerOptions {
  /**
   * Whether this ledger owns an account (its shard); transfers and locks of other accounts are a
   * routing bug and throw. Default: every account.
   */
  owns?: (accountId: string) => boolean;
}

const refuse = (code: ErrorCode, message: string): Refusal => ({ ok: false, code, message });

/**
 * The balances of the accounts of one shard: pure, deterministic, exact (bigint units), no I/O.
 *
 * Inputs and what they do:
 * - {@link transfer}: a deposit adds to `available`; a withdrawal takes from `available` only.
 *   Idempotent per `tx_id`: the same content gets the first answer again, other content
 *   `TX_ID_CONFLICT`. A refused transfer records nothing, so it may be retried.
 * - {@link lock}: moves what a new order may spend (see `orderLock`) from `available` to
 *   `locked` and keeps it as the order's hold; `INSUFFICIENT_FUNDS` changes nothing.
 * - {@link applyEvent}: a symbol's engine events, in order. A trade moves the money of the legs
 *   whose orders this ledger holds (the other leg belongs to another shard, which applies it
 *   from the same event); an order's end (filled, cancelled, IOC/FOK/market remainder,
 *   rejection) releases whatever its hold still locks. Each symbol's events are applied once:
 *   an event at or below the symbol's position (the last sequence applied) is skipped.
 *
 * Fees go to the shard's fee account, per asset. Refusals are answers with a code; a broken
 * invariant (a trade costing more than its hold, an event out of the engine's contract) throws
 * {@link LedgerInvariantError}.
 */
export class Ledger {
  private readonly balances = new Map<string, Map<string, Balance>>();
  private readonly holds = new Map<string, Hold>();
  private readonly transfers = new Map<string, TransferAnswer>();
  private readonly positions = new Map<string, number>();
  private readonly feeTotals = new Map<string, bigint>();
  private readonly owns: (accountId: string) => boolean;
  /** What changed since the last {@link takeChanges}. */
  private changed = noChanges();

  constructor(
    private readonly config: LedgerConfig,
    options: LedgerOptions = {},
  ) {
    this.owns = options.owns ?? (() => true);
  }

  /** A deposit or a withdrawal. */
  transfer(cmd: TransferCommand): TransferAnswer | Refusal {
    this.checkOwner(cmd.account_id);
    const asset = this.config.assets.get(cmd.asset);
    if (!asset) return refuse('ASSET_NOT_FOUND', `unknown asset ${cmd.asset}`);
    let units: bigint;
    try {
      units = parseAssetAmount(asset, cmd.amount);
    } catch (e) {
      if (e instanceof XtError) return refuse(e.code, e.message);
      throw e;
    }
    const earlier = this.transfers.get(cmd.tx_id);
    if (earlier) {
      if (earlier.kind === cmd.kind && earlier.account_id === cmd.account_id && earlier.asset === cmd.asset && earlier.amount === units) return earlier;
      return refuse('TX_ID_CONFLICT', `tx_id ${cmd.tx_id} was already used for a different ${earlier.kind}`);
    }
    if (cmd.kind === 'withdrawal') {
      const available = this.balance(cmd.account_id, cmd.asset).available;
      if (available < units) {
        return refuse('INSUFFICIENT_FUNDS', `available ${formatAssetAmount(asset, available)} ${asset.asset} is less than ${formatAssetAmount(asset, units)}`);
      }
    }
    const balance = this.balanceOf(cmd.account_id, cmd.asset);
    balance.available += cmd.kind === 'withdrawal' ? -units : units;
    const answer: TransferAnswer = {
      ok: true,
      kind: cmd.kind,
      tx_id: cmd.tx_id,
      account_id: cmd.account_id,
      asset: cmd.asset,
      amount: units,
      available: balance.available,
      locked: balance.locked,
    };
    this.transfers.set(cmd.tx_id, answer);
    this.changed.transfers.push(answer);
    return answer;
  }

  /** Locks what a new order may spend, or refuses it and changes nothing. */
  lock(cmd: LockCommand): LockAnswer | Refusal {
    this.checkOwner(cmd.account_id);
    const existing = this.holds.get(cmd.order_id);
    if (existing) {
      if (sameLock(existing.command, cmd)) return this.lockAnswer(existing);
      return refuse('INVALID_ORDER_ID', `order id ${cmd.order_id} already holds funds for another order`);
    }
    const units = this.config.units.get(cmd.symbol);
    if (!units) return refuse('SYMBOL_NOT_FOUND', `unknown symbol ${cmd.symbol}`);
    const lock = orderLock(units, cmd);
    if (isRefusal(lock)) return refuse(lock.code, lock.message);
    const available = this.balance(cmd.account_id, lock.asset.asset).available;
    const amount = lock.upToAvailable === true && available < lock.amount ? available : lock.amount;
    if (amount === 0n) return refuse('INSUFFICIENT_FUNDS', `the order needs ${lock.asset.asset}; available is 0`);
    if (available < amount) {
      return refuse(
        'INSUFFICIENT_FUNDS',
        `the order needs ${formatAssetAmount(lock.asset, amount)} ${lock.asset.asset}; available is ${formatAssetAmount(lock.asset, available)}`,
      );
    }
    const balance = this.balanceOf(cmd.account_id, lock.asset.asset);
    balance.available -= amount;
    balance.locked += amount;
    const hold: Hold = {
      order_id: cmd.order_id,
      account_id: cmd.account_id,
      symbol: cmd.symbol,
      asset: lock.asset.asset,
      command: cmd,
      amount,
      locked: amount,
      price_ticks: cmd.price_ticks,
      qty_lots: cmd.qty_lots ?? 0,
      filled_lots: 0,
    };
    this.holds.set(cmd.order_id, hold);
    this.changed.holds.add(cmd.order_id);
    return this.lockAnswer(hold);
  }

  /** The answer to a granted lock (and to every retry of it). */
  private lockAnswer(hold: Hold): LockAnswer {
    const c = hold.command;
    const answer = { ok: true as const, order_id: hold.order_id, asset: hold.asset, amount: hold.amount };
    if (!(c.type === 'Market' && c.side === 'Buy')) return answer;
    return { ...answer, spend_limit: formatAssetAmount(this.config.units.get(hold.symbol)!.quote, hold.amount) };
  }

  /**
   * Locks what an amend of a live order needs, before the amend goes to the symbol's stream: the
   * hold must cover what is left of the order (its total quantity less what has filled) on its
   * new terms, or on the largest terms an earlier amend asked for, computed as for a new order; the difference comes from available, or the amend
   * is refused (`INSUFFICIENT_FUNDS`) and changes nothing. An amend that needs less keeps the
   * surplus in the hold until the order ends (fills of the old terms may still be on their way).
   * Answers the units added (0 when none were needed).
   */
  amendLock(cmd: AmendLockCommand): LockAnswer | Refusal {
    this.checkOwner(cmd.account_id);
    const hold = this.holds.get(cmd.order_id);
    if (hold === undefined || hold.account_id !== cmd.account_id || hold.price_ticks === null) {
      return refuse('ORDER_NOT_FOUND', `order ${cmd.order_id} is not open`);
    }
    if (cmd.price_ticks === undefined && cmd.qty_lots === undefined) return refuse('INVALID_REQUEST', 'an amend needs a new quantity or a new price');
    const m = this.config.units.get(hold.symbol)!;
    // The hold's terms are the largest any amend so far may have set: an earlier amend may still
    // be on its way to the engine, or have been refused there, so the order's live terms are any
    // of them; locking for the largest never locks too little.
    const price = Math.max(cmd.price_ticks ?? hold.price_ticks, hold.price_ticks);
    const qty = Math.max(cmd.qty_lots ?? hold.qty_lots, hold.qty_lots);
    const remaining = Math.max(0, qty - hold.filled_lots);
    if (cmd.price_ticks !== undefined && cmd.price_ticks > m.market.maxPriceTicks) return refuse('INVALID_PRICE', `price is above the maximum ${m.market.config.max_price}`);
    if (cmd.qty_lots !== undefined && (cmd.qty_lots < m.market.minLots || cmd.qty_lots > m.market.maxLots)) {
      return refuse('INVALID_QUANTITY', `quantity is outside [${m.market.config.min_quantity}, ${m.market.config.max_quantity}]`);
    }
    const asset = hold.asset === m.quote.asset ? m.quote : m.base;
    const needed = remaining === 0 ? 0n : asset === m.quote ? buyLock(m, price, remaining) : lotsToBaseUnits(m, remaining);
    const extra = needed > hold.locked ? needed - hold.locked : 0n;
    if (extra > 0n) {
      const available = this.balance(hold.account_id, hold.asset).available;
      if (available < extra) {
        return refuse('INSUFFICIENT_FUNDS', `the amend needs ${formatAssetAmount(asset, extra)} ${hold.asset} more; available is ${formatAssetAmount(asset, available)}`);
      }
      const balance = this.balanceOf(hold.account_id, hold.asset);
      balance.available -= extra;
      balance.locked += extra;
      hold.locked += extra;
      hold.amount += extra;
    }
    hold.price_ticks = price;
    hold.qty_lots = qty;
    this.changed.holds.add(hold.order_id);
    return { ok: true, order_id: hold.order_id, asset: hold.asset, amount: extra };
  }

  /**
   * Applies one engine event of `symbol`; returns false when it was already applied (at or below
   * the symbol's position) and changed nothing.
   */
  applyEvent(symbol: string, e: EngineEvent): boolean {
    const position = this.positions.get(symbol) ?? 0;
    if (e.seq <= position) return false;
    const units = this.config.units.get(symbol);
    if (!units) throw new LedgerInvariantError(`event of unknown symbol ${symbol}`);
    switch (e.kind) {
      case 'trade':
        this.settle(symbol, units, e);
        break;
      case 'cancelled':
        this.release(symbol, e.order_id);
        break;
      case 'rejected':
        // A duplicate id is a second copy of an order whose first copy owns the hold (the
        // ledger never locks an id twice): the copy ends, the order does not.
        if (e.code !== 'DUPLICATE_ORDER_ID') this.release(symbol, e.order_id);
        break;
      case 'accepted':
      case 'rested':
      case 'cancel_rejected':
      case 'amend_rejected':
      case 'book':
        break;
      case 'amended':
        // Its funds were locked (amendLock) before the amend reached the stream; what it holds
        // beyond its new terms returns when it ends.
        break;
      default: {
        const never: never = e;
        throw new LedgerInvariantError(`unknown event kind ${(never as { kind: string }).kind}`);
      }
    }
    this.positions.set(symbol, e.seq);
    this.changed.positions.add(symbol);
    return true;
  }

  /** Applies a command's events in order; returns how many were new. */
  applyEvents(symbol: string, events: readonly EngineEvent[]): number {
    let applied = 0;
    for (const e of events) if (this.applyEvent(symbol, e)) applied++;
    return applied;
  }

  private settle(symbol: string, m: MarketUnits, t: TradeEvent): void {
    const takerIsBuyer = t.taker_side === 'Buy';
    const buyer = takerIsBuyer ? t.taker_order_id : t.maker_order_id;
    const seller = takerIsBuyer ? t.maker_order_id : t.taker_order_id;
    const buyerFee = feeToQuoteUnits(m, takerIsBuyer ? t.taker_fee : t.maker_fee);
    const sellerFee = feeToQuoteUnits(m, takerIsBuyer ? t.maker_fee : t.taker_fee);
    const notional = notionalQuoteUnits(m, t.price_ticks, t.qty_lots);
    const base = lotsToBaseUnits(m, t.qty_lots);
    const quoteAsset = m.quote.asset;
    const baseAsset = m.base.asset;

    const buyerAccount = takerIsBuyer ? t.taker_account_id : t.maker_account_id;
    const sellerAccount = takerIsBuyer ? t.maker_account_id : t.taker_account_id;
    const buyHold = this.holdFor(symbol, buyer, quoteAsset, buyerAccount);
    if (buyHold) {
      this.changed.settled.push(settledLeg(t.trade_id, 'Buy'));
      buyHold.filled_lots += t.qty_lots;
      this.spend(buyHold, notional + buyerFee, t);
      this.balanceOf(buyHold.account_id, baseAsset).available += base;
      this.addFee(quoteAsset, buyerFee);
    }
    const sellHold = this.holdFor(symbol, seller, baseAsset, sellerAccount);
    if (sellHold) {
      this.changed.settled.push(settledLeg(t.trade_id, 'Sell'));
      sellHold.filled_lots += t.qty_lots;
      if (sellerFee > notional) throw new LedgerInvariantError(`trade ${t.trade_id}: seller fee is above the trade's amount`);
      this.spend(sellHold, base, t);
      this.balanceOf(sellHold.account_id, quoteAsset).available += notional - sellerFee;
      this.addFee(quoteAsset, sellerFee);
    }
    if (t.taker_remaining_lots === 0) this.release(symbol, t.taker_order_id);
    if (t.maker_remaining_lots === 0) this.release(symbol, t.maker_order_id);
  }

  /** The hold of `orderId` if this ledger has it (else the order is another shard's). */
  private holdFor(symbol: string, orderId: string, asset: string, accountId: string | undefined): Hold | undefined {
    const hold = this.holds.get(orderId);
    if (hold === undefined) return undefined;
    if (accountId !== undefined && accountId !== hold.account_id) {
      throw new LedgerInvariantError(`order ${orderId} is held for ${hold.account_id} but trades for ${accountId}`);
    }
    if (hold.symbol !== symbol || hold.asset !== asset) {
      throw new LedgerInvariantError(`order ${orderId} holds ${hold.asset} on ${hold.symbol}, but trades on ${symbol} needing ${asset}`);
    }
    return hold;
  }

  private spend(hold: Hold, amount: bigint, t: TradeEvent): void {
    if (hold.locked < amount) {
      throw new LedgerInvariantError(`trade ${t.trade_id}: order ${hold.order_id} needs ${amount} ${hold.asset} units but holds only ${hold.locked}`);
    }
    const balance = this.balanceOf(hold.account_id, hold.asset);
    hold.locked -= amount;
    balance.locked -= amount;
    this.changed.holds.add(hold.order_id);
  }

  /** Returns what an ended order still locks to available (nothing if this ledger has no hold for it). */
  private release(symbol: string, orderId: string): void {
    const hold = this.holds.get(orderId);
    if (hold === undefined) return;
    if (hold.symbol !== symbol) throw new LedgerInvariantError(`order ${orderId} of ${hold.symbol} ended on ${symbol}`);
    const balance = this.balanceOf(hold.account_id, hold.asset);
    balance.locked -= hold.locked;
    balance.available += hold.locked;
    hold.locked = 0n;
    this.holds.delete(orderId);
    this.changed.holds.add(orderId);
  }

  private addFee(asset: string, amount: bigint): void {
    if (amount === 0n) return;
    this.feeTotals.set(asset, (this.feeTotals.get(asset) ?? 0n) + amount);
    this.changed.fees.add(asset);
  }

  /** The balance to change (created at zero if new), recorded as changed. */
  private balanceOf(accountId: string, asset: string): Balance {
    this.changed.balances.add(balanceKey(accountId, asset));
    let account = this.balances.get(accountId);
    if (account === undefined) {
      account = new Map();
      this.balances.set(accountId, account);
    }
    let balance = account.get(asset);
    if (balance === undefined) {
      balance = { available: 0n, locked: 0n };
      account.set(asset, balance);
    }
    return balance;
  }

  private checkOwner(accountId: string): void {
    if (!this.owns(accountId)) throw new LedgerInvariantError(`account ${accountId} belongs to another ledger shard`);
  }

  /** An account's balance of one asset (zeros when it never had any). */
  balance(accountId: string, asset: string): Balance {
    const b = this.balances.get(accountId)?.get(asset);
    return { available: b?.available ?? 0n, locked: b?.locked ?? 0n };
  }

  /** Every account this ledger has seen. */
  accounts(): string[] {
    return [...this.balances.keys()];
  }

  /** Fees collected, per asset. */
  fees(): Map<string, bigint> {
    return new Map(this.feeTotals);
  }

  /** The hold of a live order, or undefined once it ended (or was never locked here). */
  hold(orderId: string): Readonly<Hold> | undefined {
    return this.holds.get(orderId);
  }

  /** Number of live holds. */
  get openHolds(): number {
    return this.holds.size;
  }

  /** Sequence of the last event of `symbol` applied (0 before any). */
  position(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }

  /** Whether anything but the positions changed since the last {@link takeChanges}: a balance, a hold, a transfer, a fee, a settlement. */
  get changedBeyondPositions(): boolean {
    const c = this.changed;
    return c.balances.size > 0 || c.holds.size > 0 || c.transfers.length > 0 || c.fees.size > 0 || c.settled.length > 0;
  }

  /** What changed since the last call (or since the ledger was made), and start afresh. */
  takeChanges(): LedgerChanges {
    const c = this.changed;
    this.changed = noChanges();
    const out: LedgerChanges = { balances: [], holds: [], endedHolds: [], transfers: c.transfers, fees: [], positions: [], settled: c.settled };
    for (const key of c.balances) {
      const [account_id, asset] = key.split(SEP);
      const b = this.balance(account_id, asset);
      out.balances.push({ account_id, asset, available: b.available, locked: b.locked });
    }
    for (const id of c.holds) {
      const hold = this.holds.get(id);
      if (hold) out.holds.push({ ...hold });
      else out.endedHolds.push(id);
    }
    for (const asset of c.fees) out.fees.push({ asset, total: this.feeTotals.get(asset)! });
    for (const symbol of c.positions) out.positions.push({ symbol, seq: this.positions.get(symbol)! });
    return out;
  }

  /** The whole state (for a store that starts empty, and for tests). */
  state(): LedgerState {
    const balances: LedgerState['balances'] = [];
    for (const [account_id, assets] of this.balances) for (const [asset, b] of assets) balances.push({ account_id, asset, available: b.available, locked: b.locked });
    return {
      balances,
      holds: [...this.holds.values()].map((h) => ({ ...h })),
      transfers: [...this.transfers.values()],
      fees: [...this.feeTotals].map(([asset, total]) => ({ asset, total })),
      positions: [...this.positions].map(([symbol, seq]) => ({ symbol, seq })),
    };
  }

  /**
   * A ledger in exactly the state given (as stored by applying every {@link takeChanges} in
   * order): fed the same inputs from there, it gives the same answers as the ledger it was taken
   * from. Throws {@link LedgerInvariantError} on a state that breaks the ledger's invariants
   * (negative amounts, holds that do not add up to `locked`).
   */
  static restore(config: LedgerConfig, state: LedgerState, options: LedgerOptions = {}): Ledger {
    const ledger = new Ledger(config, options);
    for (const b of state.balances) {
      if (b.available < 0n || b.locked < 0n) throw new LedgerInvariantError(`negative balance of ${b.account_id} ${b.asset}`);
      let account = ledger.balances.get(b.account_id);
      if (!account) ledger.balances.set(b.account_id, (account = new Map()));
      account.set(b.asset, { available: b.available, locked: b.locked });
    }
    const held = new Map<string, bigint>();
    for (const h of state.holds) {
      if (h.locked < 0n || h.locked > h.amount) throw new LedgerInvariantError(`hold of ${h.order_id} is out of range`);
      ledger.holds.set(h.order_id, { ...h });
      const key = balanceKey(h.account_id, h.asset);
      held.set(key, (held.get(key) ?? 0n) + h.locked);
    }
    for (const [account_id, assets] of ledger.balances) {
      for (const [asset, b] of assets) {
        if ((held.get(balanceKey(account_id, asset)) ?? 0n) !== b.locked) throw new LedgerInvariantError(`${account_id} ${asset}: locked ${b.locked} is not what its holds lock`);
        held.delete(balanceKey(account_id, asset));
      }
    }
    for (const [key, amount] of held) if (amount !== 0n) throw new LedgerInvariantError(`holds of ${key.replace(SEP, ' ')} have no balance`);
    for (const t of state.transfers) ledger.transfers.set(t.tx_id, t);
    for (const f of state.fees) ledger.feeTotals.set(f.asset, f.total);
    for (const p of state.positions) ledger.positions.set(p.symbol, p.seq);
    return ledger;
  }
}

/** What a ledger's state changed into since the last `takeChanges` (what a commit must write). */
export interface LedgerChanges {
  /** Every balance that changed, with its new value. */
  balances: { account_id: string; asset: string; available: bigint; locked: bigint }[];
  /** Holds taken or changed, with their new value. */
  holds: Hold[];
  /** Order ids whose holds ended (released). */
  endedHolds: string[];
  /** Transfers applied (their answers, kept per tx_id). */
  transfers: TransferAnswer[];
  /** Fee totals that changed, with their new value. */
  fees: { asset: string; total: bigint }[];
  /** Symbols whose position moved, with the new position. */
  positions: { symbol: string; seq: number }[];
  /** The trade legs settled ({@link settledLeg}), in order: what a store may count to prove each was applied once. */
  settled: string[];
}

/** A ledger's whole state, as a store keeps it: what {@link Ledger.restore} takes. */
export interface LedgerState {
  balances: LedgerChanges['balances'];
  holds: Hold[];
  transfers: TransferAnswer[];
  fees: LedgerChanges['fees'];
  positions: LedgerChanges['positions'];
}

function noChanges() {
  return { balances: new Set<string>(), holds: new Set<string>(), transfers: [] as TransferAnswer[], fees: new Set<string>(), positions: new Set<string>(), settled: [] as string[] };
}

/** The name of one leg of a trade (`<trade_id>:Buy` or `<trade_id>:Sell`): each is settled by the shard holding that order, once. */
export function settledLeg(tradeId: string, side: 'Buy' | 'Sell'): string {
  return `${tradeId}:${side}`;
}

const SEP = '\n';
function balanceKey(accountId: string, asset: string): string {
  return accountId + SEP + asset;
}

function sameLock(a: LockCommand, b: LockCommand): boolean {
  return (
    a.account_id === b.account_id &&
    a.symbol === b.symbol &&
    a.side === b.side &&
    a.type === b.type &&
    a.price_ticks === b.price_ticks &&
    a.qty_lots === b.qty_lots &&
    String(a.quote_quantity) === String(b.quote_quantity)
  );
}
