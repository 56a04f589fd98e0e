import {
  accountShard,
  feeToQuoteUnits,
  formatAssetAmount,
  lotsToBaseUnits,
  notionalQuoteUnits,
  type ExchangeConfig,
  type MarketUnits,
  type OrderType,
  type Side,
} from '@xtrader/protocol';
import { orderLock, isRefusal } from '../core/order-lock';
import { settledLeg, type Hold, type TransferAnswer } from '../core/ledger';

/**
 * The whole-exchange audit of the ledger (pure: the reader in `read.ts` gathers its input from
 * Redis, a drill may gather it from REST). Every check is meaningful only on a quiescent exchange:
 * every shard has applied every lock and transfer sent to it and every symbol's events, and every
 * engine has applied its commands (`read.ts` `lagging` says when that holds). Shards apply the two
 * legs of a trade independently, so in between one leg may be applied before the other.
 */

/** One shard's committed state, as stored in its hashes. */
export interface ShardAudit {
  shard: number;
  balances: { account_id: string; asset: string; available: bigint; locked: bigint }[];
  holds: Hold[];
  transfers: TransferAnswer[];
  fees: { asset: string; total: bigint }[];
  /** Trade leg -> times settled, when the writer counts them (`LEDGER_RECORD_SETTLEMENTS=on`). */
  settlements?: ReadonlyMap<string, number>;
}

/** What every fill of an order added up to, in integer units (fee in the market's fee units). */
export interface AuditFilled {
  lots: number;
  /** price_ticks x lots summed over the fills. */
  notional: bigint;
  fee: number;
}

/** An order that is open (not finished) on its symbol's book. */
export interface AuditOrder {
  order_id: string;
  account_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  price_ticks: number | null;
  qty_lots: number;
  filled: AuditFilled;
}

/** A committed trade of a symbol: who bought and who sold. */
export interface AuditTrade {
  trade_id: string;
  buyer_account_id?: string;
  seller_account_id?: string;
}

export interface AuditInput {
  shardCount: number;
  shards: readonly ShardAudit[];
  /** Every open order of the accounts the shards hold. */
  openOrders: readonly AuditOrder[];
  /**
   * Every committed trade of every symbol, for the settled-once check (with every shard's
   * `settlements`). `complete`: the list is every trade ever made (no events were trimmed), so a
   * counted leg of no listed trade is an error too.
   */
  trades?: { list: readonly AuditTrade[]; complete: boolean };
}

export interface AuditCheck {
  name: string;
  passed: boolean;
  /** What was checked, with its figures. */
  detail: string;
  /** The first failures found (each names what differs). */
  failures: string[];
}

export interface AuditReport {
  ok: boolean;
  checks: AuditCheck[];
  /** Per asset, in units: what the accounts hold, the fees collected, deposits, withdrawals. */
  totals: { asset: string; held: bigint; fees: bigint; deposited: bigint; withdrawn: bigint }[];
}

const MAX_FAILURES = 20;

/** What an open order still needs locked: what its terms lock (`orderLock`) less what its fills spent. */
export function orderNeed(m: MarketUnits, o: Pick<AuditOrder, 'side' | 'type' | 'price_ticks' | 'qty_lots' | 'filled'>): { asset: string; amount: bigint } {
  const lock = orderLock(m, {
    v: 1,
    kind: 'lock',
    order_id: 'audit',
    account_id: 'audit',
    symbol: m.market.symbol,
    side: o.side,
    type: o.type,
    price_ticks: o.price_ticks,
    qty_lots: o.qty_lots,
    quote_quantity: null,
  });
  if (isRefusal(lock)) throw new Error(`an open order's terms lock nothing: ${lock.message}`);
  return { asset: lock.asset.asset, amount: lock.amount - spentBy(m, o.side, o.filled) };
}

/** What an order's fills took from its hold: a buy's notional and fee in quote, a sell's base. */
function spentBy(m: MarketUnits, side: Side, filled: AuditFilled): bigint {
  return side === 'Buy' ? notionalQuoteUnits(m, filled.notional, 1) + feeToQuoteUnits(m, filled.fee) : lotsToBaseUnits(m, filled.lots);
}

class Check {
  readonly failures: string[] = [];
  private count = 0;
  constructor(readonly name: string) {}
  fail(message: string): void {
    this.count++;
    if (this.failures.length < MAX_FAILURES) this.failures.push(message);
  }
  done(detail: string): AuditCheck {
    const more = this.count - this.failures.length;
    return { name: this.name, passed: this.count === 0, detail: this.count === 0 ? detail : `${detail}; ${this.count} failures`, failures: more > 0 ? [...this.failures, `... and ${more} more`] : this.failures };
  }
}

const key = (account: string, asset: string) => `${account} ${asset}`;

/** Runs every check on a quiescent exchange's ledger state. */
export function auditLedger(config: Pick<ExchangeConfig, 'assets' | 'units'>, input: AuditInput): AuditReport {
  const checks: AuditCheck[] = [];
  const fmt = (asset: string, units: bigint) => {
    const spec = config.assets.get(asset);
    return spec ? `${formatAssetAmount(spec, units)} ${asset}` : `${units} units of ${asset}`;
  };

  // 1. Each account lives on its own shard only, and nothing is negative.
  const placement = new Check('accounts on their shard, nothing negative');
  let balanceCount = 0;
  for (const s of input.shards) {
    for (const b of s.balances) {
      balanceCount++;
      if (accountShard(b.account_id, input.shardCount) !== s.shard) placement.fail(`${b.account_id} has a ${b.asset} balance on shard ${s.shard}, but belongs to shard ${accountShard(b.account_id, input.shardCount)}`);
      if (b.available < 0n || b.locked < 0n) placement.fail(`${b.account_id} ${b.asset} is negative: available ${b.available}, locked ${b.locked}`);
    }
    for (const f of s.fees) if (f.total < 0n) placement.fail(`shard ${s.shard} fees of ${f.asset} are negative: ${f.total}`);
  }
  checks.push(placement.done(`${balanceCount} balances on ${input.shards.length} shards`));

  // 2. Conservation per asset: what accounts hold plus fees is exactly what came in less what left.
  const conservation = new Check('conservation per asset');
  const totals = new Map<string, { held: bigint; fees: bigint; deposited: bigint; withdrawn: bigint }>();
  const total = (asset: string) => {
    let t = totals.get(asset);
    if (!t) totals.set(asset, (t = { held: 0n, fees: 0n, deposited: 0n, withdrawn: 0n }));
    return t;
  };
  for (const s of input.shards) {
    for (const b of s.balances) total(b.asset).held += b.available + b.locked;
    for (const f of s.fees) total(f.asset).fees += f.total;
    for (const t of s.transfers) {
      if (t.kind === 'deposit') total(t.asset).deposited += t.amount;
      else total(t.asset).withdrawn += t.amount;
    }
  }
  const totalList = [...totals].map(([asset, t]) => ({ asset, ...t })).sort((a, b) => a.asset.localeCompare(b.asset));
  for (const t of totalList) {
    if (t.held + t.fees !== t.deposited - t.withdrawn) {
      conservation.fail(`${t.asset}: accounts hold ${fmt(t.asset, t.held)} and fees are ${fmt(t.asset, t.fees)}, but deposits less withdrawals are ${fmt(t.asset, t.deposited - t.withdrawn)} (off by ${fmt(t.asset, t.held + t.fees - (t.deposited - t.withdrawn))})`);
    }
  }
  checks.push(conservation.done(totalList.map((t) => `${t.asset} ${fmt(t.asset, t.held)} + fees ${fmt(t.asset, t.fees)} = ${fmt(t.asset, t.deposited - t.withdrawn)}`).join('; ') || 'no assets'));

  // 3. Every locked balance is exactly what its holds lock.
  const lockedCheck = new Check('locked equals the holds');
  const held = new Map<string, bigint>();
  let holdCount = 0;
  for (const s of input.shards) {
    for (const h of s.holds) {
      holdCount++;
      held.set(key(h.account_id, h.asset), (held.get(key(h.account_id, h.asset)) ?? 0n) + h.locked);
    }
  }
  for (const s of input.shards) {
    for (const b of s.balances) {
      const k = key(b.account_id, b.asset);
      const want = held.get(k) ?? 0n;
      if (b.locked !== want) lockedCheck.fail(`${b.account_id} has ${fmt(b.asset, b.locked)} locked, but its holds lock ${fmt(b.asset, want)}`);
      held.delete(k);
    }
  }
  for (const [k, amount] of held) if (amount !== 0n) lockedCheck.fail(`holds of ${k} lock ${amount} units with no balance`);
  checks.push(lockedCheck.done(`${holdCount} holds`));

  // 4. Holds are the open orders, and each still locks what its order needs.
  const holdsCheck = new Check('holds are the open orders, each locking what it needs');
  const open = new Map(input.openOrders.map((o) => [o.order_id, o]));
  const holdIds = new Set<string>();
  for (const s of input.shards) {
    for (const h of s.holds) {
      holdIds.add(h.order_id);
      const o = open.get(h.order_id);
      if (!o) {
        holdsCheck.fail(`${h.account_id} still locks ${fmt(h.asset, h.locked)} for order ${h.order_id} (${h.symbol}), which is not open`);
        continue;
      }
      if (o.account_id !== h.account_id || o.symbol !== h.symbol) {
        holdsCheck.fail(`order ${h.order_id} is held for ${h.account_id} on ${h.symbol} but is ${o.account_id}'s on ${o.symbol}`);
        continue;
      }
      const m = config.units.get(o.symbol)!;
      // What the order's own fills spent, from the engine's record: the ledger settled exactly those.
      const fromHold = h.amount - spentBy(m, o.side, o.filled);
      if (fromHold !== h.locked) holdsCheck.fail(`order ${h.order_id}: locked ${fmt(h.asset, h.amount)} in all, its fills spent ${fmt(h.asset, h.amount - fromHold)}, so it should still lock ${fmt(h.asset, fromHold)}, but locks ${fmt(h.asset, h.locked)}`);
      // An amended order keeps a surplus until it ends; an order on its first terms locks exactly what they need.
      const amended = h.command.price_ticks !== o.price_ticks || h.command.qty_lots !== o.qty_lots;
      if (!amended) {
        const need = orderNeed(m, o);
        if (need.asset !== h.asset || need.amount !== h.locked) holdsCheck.fail(`order ${h.order_id} needs ${fmt(need.asset, need.amount)} but locks ${fmt(h.asset, h.locked)}`);
      }
    }
  }
  for (const o of input.openOrders) if (!holdIds.has(o.order_id)) holdsCheck.fail(`order ${o.order_id} of ${o.account_id} is open on ${o.symbol}, but no shard locks anything for it`);
  checks.push(holdsCheck.done(`${input.openOrders.length} open orders, ${holdIds.size} holds`));

  // 5. Every trade leg was settled exactly once, by the shard of its account.
  if (input.trades && input.shards.every((s) => s.settlements)) {
    const once = new Check('every trade settled exactly once');
    const expected = new Map<number, Set<string>>(input.shards.map((s) => [s.shard, new Set<string>()]));
    let legs = 0;
    for (const t of input.trades.list) {
      for (const [side, account] of [['Buy', t.buyer_account_id], ['Sell', t.seller_account_id]] as const) {
        if (account === undefined) continue;
        legs++;
        expected.get(accountShard(account, input.shardCount))?.add(settledLeg(t.trade_id, side));
      }
    }
    for (const s of input.shards) {
      const want = expected.get(s.shard)!;
      for (const leg of want) {
        const n = s.settlements!.get(leg) ?? 0;
        if (n !== 1) once.fail(`trade leg ${leg} was settled ${n} times on shard ${s.shard}`);
      }
      for (const [leg, n] of s.settlements!) {
        if (want.has(leg)) continue;
        if (n !== 1) once.fail(`trade leg ${leg} was settled ${n} times on shard ${s.shard}`);
        else if (input.trades.complete) once.fail(`shard ${s.shard} settled ${leg}, which is no trade of its accounts`);
      }
    }
    checks.push(once.done(`${input.trades.list.length} trades, ${legs} legs`));
  }

  return { ok: checks.every((c) => c.passed), checks, totals: totalList };
}

/** The report as lines a person reads (the CLI's output, a test's failure message). */
export function formatAudit(report: AuditReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${c.passed ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
    for (const f of c.failures) lines.push(`     ${f}`);
  }
  lines.push(report.ok ? `ledger audit passed (${report.checks.length} checks)` : `ledger audit FAILED (${report.checks.filter((c) => !c.passed).length} of ${report.checks.length} checks)`);
  return lines.join('\n');
}
