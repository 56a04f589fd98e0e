import { accountShard, formatAssetAmount, parseAssetAmount, type EngineEvent, type MarketSpec, type PlaceCommand, type SelfTradePrevention, type TransferCommand } from '@xtrader/protocol';
import { seededRandom } from '@xtrader/platform';
import { MatchingCore } from '../../../engine/src/core';
import { Ledger, type LedgerChanges, type LedgerState, type Refusal, type TransferAnswer } from '../../src/core';
import { config, lockOf } from './harness';
import { ReferenceLedger, type RefAnswer } from './reference-ledger';

const TAPES = 12;
const COMMANDS = 2500;
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
const SHARDS = 3;
const ASSETS = [...config.assets.keys()];
const MARKETS: MarketSpec[] = [...config.markets];
/** Largest single deposit per asset: enough for a Market Buy of BTC-KRW by quantity now and then. */
const DEPOSIT_MAX: Record<string, string> = { KRW: '20000000', BTC: '1', ETH: '10', USD: '100000', AAPL: '1000' };
/** Self-trade prevention modes of the places (absent: the default, EXPIRE_MAKER). */
const STP_MODES: (SelfTradePrevention | undefined)[] = [undefined, undefined, 'EXPIRE_MAKER', 'EXPIRE_TAKER', 'EXPIRE_BOTH', 'NONE'];

function restingIds(core: MatchingCore): Set<string> {
  const snap = core.snapshot();
  const ids = new Set<string>();
  for (const [, orders] of [...snap.bids, ...snap.asks]) for (const [id] of orders) ids.add(id);
  return ids;
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

/** The ledger's answer in the reference's shape, so the two compare with one `toEqual`. */
function comparable(a: TransferAnswer | Refusal): RefAnswer {
  return a.ok ? { ok: true, amount: a.amount, available: a.available, locked: a.locked } : { ok: false, code: a.code };
}

/**
 * A shard's committed state as a store keeps it (the Redis stage keeps these as hashes): every
 * batch of changes written over the previous ones, as a commit does.
 */
class StoredShard {
  private readonly balances = new Map<string, LedgerState['balances'][number]>();
  private readonly holds = new Map<string, LedgerState['holds'][number]>();
  private readonly transfers = new Map<string, TransferAnswer>();
  private readonly fees = new Map<string, bigint>();
  private readonly positions = new Map<string, number>();

  commit(c: LedgerChanges): void {
    for (const b of c.balances) this.balances.set(`${b.account_id}/${b.asset}`, b);
    for (const h of c.holds) this.holds.set(h.order_id, h);
    for (const id of c.endedHolds) this.holds.delete(id);
    for (const t of c.transfers) this.transfers.set(t.tx_id, t);
    for (const f of c.fees) this.fees.set(f.asset, f.total);
    for (const p of c.positions) this.positions.set(p.symbol, p.seq);
  }

  state(): LedgerState {
    return {
      balances: [...this.balances.values()],
      holds: [...this.holds.values()],
      transfers: [...this.transfers.values()],
      fees: [...this.fees].map(([asset, total]) => ({ asset, total })),
      positions: [...this.positions].map(([symbol, seq]) => ({ symbol, seq })),
    };
  }
}

/** A ledger state with its lists in a fixed order, for comparing two states. */
function canonical(s: LedgerState): string {
  const by = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  const sorted = {
    balances: by(s.balances, (b) => `${b.account_id}/${b.asset}`),
    holds: by(s.holds, (h) => h.order_id),
    transfers: by(s.transfers, (t) => t.tx_id),
    fees: by(s.fees, (f) => f.asset),
    positions: by(s.positions, (p) => p.symbol),
  };
  return JSON.stringify(sorted, big);
}

/**
 * One random tape: deposits (some replayed, some conflicting, some malformed), withdrawals (some
 * over available), limit orders of every time in force, market orders by quantity (with the
 * ledger's lock as their spend limit) and Market Buys by quote amount, every self-trade
 * prevention mode (the 12 accounts trade with themselves often), amends of
 * resting orders (quantity up or down, price up or down), cancels of resting, finished and
 * unknown orders, over 12 accounts on 3 ledger shards and the three
 * shipped markets, each through the real matching core. After every command the sharded ledger
 * must equal the naive reference, no balance may be negative, and every asset must be conserved.
 */
function runTape(seed: number) {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  const owns = (i: number) => (a: string) => accountShard(a, SHARDS) === i;
  const shards = Array.from({ length: SHARDS }, (_, i) => new Ledger(config, { owns: owns(i) }));
  const stores = shards.map(() => new StoredShard());
  const shardOf = (account: string) => shards[accountShard(account, SHARDS)];
  const owner = new Map<string, string>();
  const reference = new ReferenceLedger(config, owner);
  const cores = new Map(MARKETS.map((m) => [m.symbol, new MatchingCore(m)]));
  const mids = new Map(MARKETS.map((m) => [m.symbol, 1000]));
  const transfers: TransferCommand[] = [];
  const finished: string[] = [];
  const stats = { trades: 0, refusedLocks: 0, refusedWithdrawals: 0, marketBuys: 0, quoteBuys: 0, budgetSpent: 0, selfTrades: 0, cancels: 0, amends: 0 };
  let ts = 1_700_000_000_000;
  let next = 0;

  const feed = (m: MarketSpec, events: EngineEvent[]) => {
    for (const s of shards) s.applyEvents(m.symbol, events);
    const resting = restingIds(cores.get(m.symbol)!);
    reference.apply(m, events, resting);
    for (const e of events) if (e.kind === 'trade') stats.trades++;
  };

  const check = (step: number, what: string) => {
    const where = `tape ${seed} command ${step} (${what})`;
    for (const account of ACCOUNTS) {
      const ledger = shardOf(account);
      for (const asset of ASSETS) {
        const got = ledger.balance(account, asset);
        const want = { available: reference.get(account, asset, 'available'), locked: reference.get(account, asset, 'locked') };
        if (got.available !== want.available || got.locked !== want.locked) {
          expect({ where, account, asset, ...got }).toEqual({ where, account, asset, ...want });
        }
        if (got.available < 0n || got.locked < 0n) throw new Error(`${where}: ${account} has a negative ${asset} balance`);
      }
    }
    for (const [id, hold] of reference.holds) {
      const got = shardOf(hold.account).hold(id)?.locked;
      if (got !== hold.amount) expect({ where, order: id, locked: got }).toEqual({ where, order: id, locked: hold.amount });
    }
    const holds = shards.reduce((n, s) => n + s.openHolds, 0);
    if (holds !== reference.holds.size) expect({ where, holds }).toEqual({ where, holds: reference.holds.size });
    for (const asset of ASSETS) {
      let held = 0n;
      let fees = 0n;
      for (const account of ACCOUNTS) {
        const b = shardOf(account).balance(account, asset);
        held += b.available + b.locked;
      }
      for (const s of shards) fees += s.fees().get(asset) ?? 0n;
      if (fees !== (reference.fees.get(asset) ?? 0n)) expect({ where, asset, fees }).toEqual({ where, asset, fees: reference.fees.get(asset) ?? 0n });
      // Conservation: everything deposited and not withdrawn is in a balance or in the fees.
      if (held + fees !== (reference.deposited.get(asset) ?? 0n)) {
        throw new Error(`${where}: ${asset} not conserved: balances ${held} + fees ${fees} != deposits - withdrawals ${reference.deposited.get(asset) ?? 0n}`);
      }
    }
    if ([...cores.values()].every((c) => c.openOrders === 0)) {
      for (const account of ACCOUNTS) {
        for (const asset of ASSETS) {
          const locked = shardOf(account).balance(account, asset).locked;
          if (locked !== 0n) throw new Error(`${where}: no order is open, yet ${account} has ${locked} ${asset} units locked`);
        }
      }
    }
  };

  const transfer = (cmd: TransferCommand) => {
    const got = comparable(shardOf(cmd.account_id).transfer(cmd));
    const want = reference.transfer(cmd.kind, cmd.tx_id, cmd.account_id, cmd.asset, String(cmd.amount));
    if (JSON.stringify(got, big) !== JSON.stringify(want, big)) expect({ cmd, answer: got }).toEqual({ cmd, answer: want });
    if (got.ok) transfers.push(cmd);
    return got;
  };

  /** A deposit of up to about what a busy account trades (log-uniform, so some orders are funded and some not). */
  const amountOf = (asset: string): string => {
    const a = config.assets.get(asset)!;
    const max = parseAssetAmount(a, DEPOSIT_MAX[asset]);
    const units = (max * BigInt(int(1, 1000))) / 1000n / 10n ** BigInt(int(0, 4));
    return formatAssetAmount(a, units > 0n ? units : 1n);
  };

  for (let step = 0; step < COMMANDS; step++) {
    ts += int(0, 3);
    const r = random();
    const account = pick(ACCOUNTS);
    let what: string;
    if (r < 0.08) {
      what = 'deposit';
      const u = random();
      if (u < 0.1 && transfers.length > 0) transfer(pick(transfers)); // replay: the first answer again
      else if (u < 0.15 && transfers.length > 0) {
        const earlier = pick(transfers);
        const got = transfer({ ...earlier, kind: earlier.kind === 'deposit' ? 'withdrawal' : 'deposit' });
        expect(got).toEqual({ ok: false, code: 'TX_ID_CONFLICT' });
      } else {
        const asset = pick(ASSETS);
        transfer({ v: 1, kind: 'deposit', tx_id: `d${seed}-${step}`, account_id: account, asset, amount: amountOf(asset) });
      }
    } else if (r < 0.12) {
      what = 'withdrawal';
      const asset = pick(ASSETS);
      const available = reference.get(account, asset, 'available');
      const amount = available > 0n && random() < 0.8 ? (available * BigInt(int(1, 120))) / 100n : BigInt(int(1, 100));
      const got = transfer({ v: 1, kind: 'withdrawal', tx_id: `w${seed}-${step}`, account_id: account, asset, amount: formatAssetAmount(config.assets.get(asset)!, amount > 0n ? amount : 1n) });
      if (!got.ok) stats.refusedWithdrawals++;
    } else if (r < 0.14) {
      what = 'bad transfer';
      const asset = pick(ASSETS);
      const decimals = config.assets.get(asset)!.decimals;
      const bad = pick([`-${int(1, 100)}`, '0', `1.${'0'.repeat(decimals)}1`, 'ten']);
      const cmd: TransferCommand = { v: 1, kind: random() < 0.5 ? 'deposit' : 'withdrawal', tx_id: `b${seed}-${step}`, account_id: account, asset: random() < 0.2 ? 'DOGE' : asset, amount: bad };
      const got = transfer(cmd);
      expect(got.ok).toBe(false);
    } else if (r < 0.2) {
      what = 'amend';
      const m = pick(MARKETS);
      const core = cores.get(m.symbol)!;
      const resting = [...restingIds(core)];
      if (resting.length > 0) {
        const id = pick(resting);
        const hold = reference.holds.get(id)!;
        const u = random();
        const qty = u < 0.7 ? Math.max(1, hold.qty + int(-5, 8)) : undefined;
        const price = u > 0.4 ? Math.max(1, hold.price! + int(-3, 3)) : undefined;
        const side = hold.asset === m.config.quote ? 'Buy' : 'Sell';
        const got = shardOf(hold.account).amendLock({ v: 1, kind: 'amend_lock', order_id: id, account_id: hold.account, price_ticks: price, qty_lots: qty });
        const want = qty === undefined && price === undefined ? { ok: false as const, code: 'INVALID_REQUEST' } : reference.amend(id, m, side, price, qty);
        const gotAmend = got.ok ? got.amount : (got as Refusal).code;
        const wantAmend = want.ok ? want.amount : want.code;
        if (gotAmend !== wantAmend) expect({ amend: id, qty, price, answer: gotAmend }).toEqual({ amend: id, qty, price, answer: wantAmend });
        if (got.ok) {
          stats.amends++;
          feed(m, core.apply({ v: 1, kind: 'amend', order_id: id, request_id: `a${step}`, ...(qty === undefined ? {} : { qty_lots: qty }), ...(price === undefined ? {} : { price_ticks: price }), ts }));
        }
      }
    } else if (r < 0.42) {
      what = 'cancel';
      const m = pick(MARKETS);
      const resting = [...restingIds(cores.get(m.symbol)!)];
      const id = resting.length > 0 && random() < 0.8 ? pick(resting) : finished.length > 0 && random() < 0.7 ? pick(finished) : `ghost-${step}`;
      feed(m, cores.get(m.symbol)!.apply({ v: 1, kind: 'cancel', order_id: id, request_id: `r${step}`, ts }));
      stats.cancels++;
    } else {
      what = 'place';
      const m = pick(MARKETS);
      const core = cores.get(m.symbol)!;
      if (random() < 0.05) mids.set(m.symbol, Math.max(20, mids.get(m.symbol)! + int(-2, 2)));
      const mid = mids.get(m.symbol)!;
      const side = random() < 0.5 ? 'Buy' : 'Sell';
      const qty = random() < 0.1 ? int(15, 80) : int(1, 10);
      const orderId = `o${seed}-${next++}`;
      const isMarket = random() < 0.1;
      const t = random();
      const tif = isMarket ? 'IOC' : t < 0.7 ? 'GTC' : t < 0.82 ? 'IOC' : t < 0.91 ? 'FOK' : 'POST_ONLY';
      const offset = int(-4, 7);
      const price = isMarket ? null : Math.max(1, side === 'Buy' ? mid - offset : mid + offset);
      // Half the Market Buys spend a quote amount (a few lots' worth near the mid, some less than one lot).
      const quote = isMarket && side === 'Buy' && random() < 0.5 ? `${int(0, 2000)}.${String(int(0, 99)).padStart(2, '0')}` : null;
      const stp = pick(STP_MODES);
      const place: PlaceCommand = {
        v: 1,
        kind: 'place',
        order_id: orderId,
        account_id: account,
        side,
        type: isMarket ? 'Market' : 'Limit',
        tif,
        price_ticks: price,
        qty_lots: quote === null ? qty : m.maxLots,
        ...(quote === null ? {} : { quote_quantity: quote }),
        ...(stp === undefined ? {} : { self_trade_prevention: stp }),
      };
      const got = shardOf(account).lock(lockOf(account, m.symbol, place, quote));
      const want = reference.lock(orderId, account, m, side, price, qty, quote);
      const gotLock = got.ok ? got.amount : (got as Refusal).code;
      const wantLock = want.ok ? want.amount : want.code;
      if (gotLock !== wantLock) expect({ orderId, lock: gotLock }).toEqual({ orderId, lock: wantLock });
      if (got.ok) {
        if (isMarket && side === 'Buy') stats[quote === null ? 'marketBuys' : 'quoteBuys']++;
        // The ledger's lock travels with a Market Buy by quantity as its spend limit.
        const events = core.apply({ ...place, ...(got.spend_limit === undefined ? {} : { spend_limit: got.spend_limit }), ts });
        for (const e of events) if (e.kind === 'cancelled' && (e.reason === 'SELF_TRADE_PREVENTION' || e.reason === 'budget_spent')) stats[e.reason === 'budget_spent' ? 'budgetSpent' : 'selfTrades']++;
        feed(m, events);
        finished.push(orderId);
      } else stats.refusedLocks++;
    }
    // Commit each shard's changes to its store, as the writer does after every batch; now and
    // then a shard restarts from its store alone (a new writer after a crash) and carries on.
    shards.forEach((s, i) => stores[i].commit(s.takeChanges()));
    if (step % 400 === 399) {
      const i = step % SHARDS;
      const restored = Ledger.restore(config, stores[i].state(), { owns: owns(i) });
      expect(canonical(restored.state())).toBe(canonical(shards[i].state()));
      shards[i] = restored;
    }
    check(step, what);
  }

  // Cancel everything still resting: with no open orders, nothing is locked anywhere.
  for (const m of MARKETS) {
    const core = cores.get(m.symbol)!;
    for (const id of restingIds(core)) feed(m, core.apply({ v: 1, kind: 'cancel', order_id: id, request_id: `end-${id}`, ts: ++ts }));
  }
  check(COMMANDS, 'all cancelled');
  expect(shards.reduce((n, s) => n + s.openHolds, 0)).toBe(0);
  for (const account of ACCOUNTS) for (const asset of ASSETS) expect(shardOf(account).balance(account, asset).locked).toBe(0n);
  return stats;
}

describe('the sharded ledger fed by the real matching cores, against a naive reference ledger', () => {
  const seeds = Array.from({ length: TAPES }, (_, i) => 500 + i);
  test.each(seeds)('random tape %i (2,500 commands, 12 accounts, 3 shards, 3 markets): identical balances, none negative, every asset conserved', (seed) => {
    const stats = runTape(seed);
    // The tape must exercise what it claims: trades, refusals, market buys and cancels.
    expect(stats.trades).toBeGreaterThan(100);
    expect(stats.refusedLocks).toBeGreaterThan(10);
    expect(stats.refusedWithdrawals).toBeGreaterThan(0);
    expect(stats.marketBuys).toBeGreaterThan(0);
    expect(stats.quoteBuys).toBeGreaterThan(0);
    expect(stats.budgetSpent).toBeGreaterThan(0);
    expect(stats.selfTrades).toBeGreaterThan(0);
    expect(stats.cancels).toBeGreaterThan(100);
    expect(stats.amends).toBeGreaterThan(50);
  });
});
