/**
 * The ledger audit on states made by the real cores: a sound exchange passes every check, and
 * each kind of damage (money created, a lock that is not its holds, a hold without its order, an
 * order without its hold, a hold that drifted from its fills, a leg settled twice or never) fails
 * the check that names it.
 */
import { accountShard, type EngineEvent, type TradeEvent } from '@xtrader/protocol';
import { seededRandom } from '@xtrader/platform';
import { Ledger, settledLeg } from '../../src/core';
import { auditLedger, formatAudit, type AuditInput, type AuditOrder, type AuditTrade } from '../../src/audit/checks';
import { config, deposit, Exchange, withdrawal } from '../core/harness';

const SHARDS = 2;

/** A seeded exchange of two shards after a few hundred orders and cancels, as the audit sees it. */
function exchange(): AuditInput {
  const ledgers = Array.from({ length: SHARDS }, (_, shard) => new Ledger(config, { owns: (a) => accountShard(a, SHARDS) === shard }));
  const ledgerOf = (a: string) => ledgers[accountShard(a, SHARDS)];
  const ex = new Exchange(ledgerOf, ledgers);
  const accounts = Array.from({ length: 8 }, (_, i) => `acct-${i}`);
  for (const a of accounts) {
    ledgerOf(a).transfer(deposit(`k-${a}`, a, 'KRW', '1000000000'));
    ledgerOf(a).transfer(deposit(`b-${a}`, a, 'BTC', '50'));
  }
  ledgerOf('acct-0').transfer(withdrawal('w-0', 'acct-0', 'KRW', '12.34'));
  const random = seededRandom(3);
  const orders = new Map<string, AuditOrder>();
  const trades: AuditTrade[] = [];
  const track = (events: EngineEvent[]) => {
    for (const e of events) {
      if (e.kind === 'trade') {
        const t = e as TradeEvent;
        const taker = orders.get(t.taker_order_id)!;
        const maker = orders.get(t.maker_order_id)!;
        for (const [o, fee] of [[taker, t.taker_fee], [maker, t.maker_fee]] as const) {
          o.filled.lots += t.qty_lots;
          o.filled.notional += BigInt(t.price_ticks) * BigInt(t.qty_lots);
          o.filled.fee += fee;
        }
        const buyer = t.taker_side === 'Buy' ? taker : maker;
        const seller = t.taker_side === 'Buy' ? maker : taker;
        trades.push({ trade_id: t.trade_id, buyer_account_id: buyer.account_id, seller_account_id: seller.account_id });
      }
    }
  };
  for (let i = 0; i < 400; i++) {
    const account = accounts[Math.floor(random() * accounts.length)];
    if (random() < 0.15 && orders.size > 0) {
      const ids = [...orders.keys()];
      track(ex.cancel('BTC-KRW', ids[Math.floor(random() * ids.length)]));
      continue;
    }
    const side = random() < 0.5 ? 'Buy' : 'Sell';
    const market = random() < 0.1;
    const order = {
      side,
      type: market ? 'Market' : 'Limit',
      tif: market ? 'IOC' : 'GTC',
      price_ticks: market ? null : 50_000 + Math.floor(random() * 11) - 5,
      qty_lots: 1 + Math.floor(random() * 30),
    } as const;
    const id = `o${i}`;
    orders.set(id, { order_id: id, account_id: account, symbol: 'BTC-KRW', side, type: order.type, price_ticks: order.price_ticks, qty_lots: order.qty_lots, filled: { lots: 0, notional: 0n, fee: 0 } });
    const { answer, events } = ex.place(account, 'BTC-KRW', { ...order, order_id: id });
    expect(answer.ok).toBe(true);
    track(events);
  }
  const resting = ex.cores.get('BTC-KRW')!.snapshot();
  const open = new Set([...resting.bids, ...resting.asks].flatMap(([, level]) => level.map(([id]) => id)));
  const settlements = ledgers.map(() => new Map<string, number>());
  // What a writer with LEDGER_RECORD_SETTLEMENTS=on counts, from the ledgers' own changes.
  ledgers.forEach((l, shard) => {
    for (const leg of l.takeChanges().settled) settlements[shard].set(leg, (settlements[shard].get(leg) ?? 0) + 1);
  });
  return {
    shardCount: SHARDS,
    shards: ledgers.map((l, shard) => ({ shard, ...l.state(), settlements: settlements[shard] })),
    openOrders: [...orders.values()].filter((o) => open.has(o.order_id)),
    trades: { list: trades, complete: true },
  };
}

const failed = (input: AuditInput) => {
  const report = auditLedger(config, input);
  return report.checks.filter((c) => !c.passed).map((c) => ({ check: c.name, failures: c.failures }));
};

test('a sound exchange passes every check, with its totals', () => {
  const input = exchange();
  expect(input.openOrders.length).toBeGreaterThan(10);
  expect(input.trades!.list.length).toBeGreaterThan(50);
  const report = auditLedger(config, input);
  expect(failed(input)).toEqual([]);
  expect(report.checks.map((c) => c.name)).toEqual([
    'accounts on their shard, nothing negative',
    'conservation per asset',
    'locked equals the holds',
    'holds are the open orders, each locking what it needs',
    'every trade settled exactly once',
  ]);
  const krw = report.totals.find((t) => t.asset === 'KRW')!;
  expect(krw).toMatchObject({ deposited: 8n * 1_000_000_000n * 100n, withdrawn: 1234n });
  expect(krw.fees).toBeGreaterThan(0n);
  expect(krw.held + krw.fees).toBe(krw.deposited - krw.withdrawn);
  expect(formatAudit(report)).toMatch(/ledger audit passed \(5 checks\)$/);
});

test('money that came from nowhere fails conservation, naming the asset and the difference', () => {
  const input = exchange();
  const b = input.shards[1].balances.find((x) => x.asset === 'BTC')!;
  b.available += 1n;
  expect(failed(input)).toEqual([{ check: 'conservation per asset', failures: [expect.stringMatching(/^BTC: .*off by 0\.00000001 BTC\)$/)] }]);
});

test('fees counted twice fail conservation', () => {
  const input = exchange();
  const fee = input.shards[0].fees.find((f) => f.asset === 'KRW')!;
  fee.total *= 2n;
  expect(failed(input).map((f) => f.check)).toEqual(['conservation per asset']);
});

test('a locked balance that is not what its holds lock fails, naming the account', () => {
  const input = exchange();
  const hold = input.shards[0].holds[0];
  const b = input.shards[0].balances.find((x) => x.account_id === hold.account_id && x.asset === hold.asset)!;
  b.locked += 5n;
  b.available -= 5n;
  expect(failed(input)).toEqual([{ check: 'locked equals the holds', failures: [expect.stringContaining(`${hold.account_id} has `)] }]);
});

test('a hold left behind by an order that ended, and an open order with no hold, both fail', () => {
  const input = exchange();
  const [gone, ...rest] = input.openOrders;
  expect(failed({ ...input, openOrders: rest })).toEqual([{ check: 'holds are the open orders, each locking what it needs', failures: [expect.stringContaining(`for order ${gone.order_id} (BTC-KRW), which is not open`)] }]);
  const extra: AuditOrder = { ...gone, order_id: 'never-locked' };
  expect(failed({ ...input, openOrders: [...input.openOrders, extra] })).toEqual([
    { check: 'holds are the open orders, each locking what it needs', failures: [`order never-locked of ${gone.account_id} is open on BTC-KRW, but no shard locks anything for it`] },
  ]);
});

test('a hold that does not match its order fills (a fill settled twice, or never) fails', () => {
  const input = exchange();
  const filled = input.openOrders.find((o) => o.filled.lots > 0)!;
  expect(filled).toBeDefined();
  // As if one more lot had been settled against it than the engine filled.
  const missed = { ...filled, filled: { lots: filled.filled.lots + 1, notional: filled.filled.notional + 1n, fee: filled.filled.fee + 1 } };
  const report = failed({ ...input, openOrders: input.openOrders.map((o) => (o === filled ? missed : o)) });
  expect(report).toEqual([{ check: 'holds are the open orders, each locking what it needs', failures: [expect.stringContaining(`order ${filled.order_id}: locked `), expect.stringContaining(`order ${filled.order_id} needs `)] }]);
});

test('a trade leg counted twice, or never, fails settled-once; so does a leg of no trade', () => {
  const input = exchange();
  const t = input.trades!.list[0];
  const shard = accountShard(t.buyer_account_id!, SHARDS);
  const counts = input.shards[shard].settlements as Map<string, number>;
  counts.set(settledLeg(t.trade_id, 'Buy'), 2);
  expect(failed(input)).toEqual([{ check: 'every trade settled exactly once', failures: [`trade leg ${settledLeg(t.trade_id, 'Buy')} was settled 2 times on shard ${shard}`] }]);
  counts.delete(settledLeg(t.trade_id, 'Buy'));
  expect(failed(input)[0].failures).toEqual([`trade leg ${settledLeg(t.trade_id, 'Buy')} was settled 0 times on shard ${shard}`]);
  counts.set(settledLeg(t.trade_id, 'Buy'), 1);
  counts.set('BTC-KRW-999999:Sell', 1);
  expect(failed(input)[0].failures).toEqual([`shard ${shard} settled BTC-KRW-999999:Sell, which is no trade of its accounts`]);
  // With trimmed events the audit cannot know every trade: an unlisted leg counted once is fine.
  expect(failed({ ...input, trades: { ...input.trades!, complete: false } })).toEqual([]);
});

test('a balance on the wrong shard or below zero fails placement', () => {
  const input = exchange();
  const stray = input.shards[0].balances[0];
  input.shards[1].balances.push({ ...stray, available: 0n, locked: 0n });
  expect(failed(input)).toEqual([{ check: 'accounts on their shard, nothing negative', failures: [expect.stringContaining(`${stray.account_id} has a ${stray.asset} balance on shard 1, but belongs to shard 0`)] }]);
});
