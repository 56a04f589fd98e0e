/**
 * `npm run bench:ledger`: throughput of the pure ledger core (one shard holding every account)
 * on a seeded tape of 300,000 orders and cancels on BTC-KRW over 1,000 funded accounts. The tape
 * is run once through the real matching core to record the ledger's inputs (a lock per order,
 * the engine's events of every command); only the ledger applying those inputs is timed. The
 * last line printed is one JSON object. The rates are over the whole tape (every order's lock,
 * every event, each trade's settlement and each end's release, together): orders, events and
 * trades per second of the median of RUNS runs on a fresh ledger, with its wall and CPU time.
 */
import { loadavg } from 'node:os';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import type { EngineEvent, LockCommand, PlaceCommand, TransferCommand } from '@xtrader/protocol';
import { seededRandom } from '@xtrader/platform';
import { MatchingCore } from '../../engine/src/core';
import { Ledger } from '../src/core';

const COMMANDS = 300_000;
const ACCOUNTS = 1000;
const RUNS = 3;
const SYMBOL = 'BTC-KRW';
const config = loadExchangeConfig();

type Input = { lock: LockCommand } | { events: EngineEvent[] };

function record(): { deposits: TransferCommand[]; inputs: Input[]; locks: number; events: number; trades: number } {
  const random = seededRandom(42);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const core = new MatchingCore(config.markets.find((m) => m.symbol === SYMBOL)!);
  const deposits: TransferCommand[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    deposits.push({ v: 1, kind: 'deposit', tx_id: `k${a}`, account_id: `acct-${a}`, asset: 'KRW', amount: '100000000000' });
    deposits.push({ v: 1, kind: 'deposit', tx_id: `b${a}`, account_id: `acct-${a}`, asset: 'BTC', amount: '100000' });
  }
  const inputs: Input[] = [];
  const live: string[] = [];
  let locks = 0;
  let events = 0;
  let trades = 0;
  let mid = 1000;
  let ts = 1_700_000_000_000;
  for (let i = 0; i < COMMANDS; i++) {
    ts += 1;
    if (random() < 0.05) mid = Math.max(20, mid + int(-1, 1));
    let out: EngineEvent[];
    if (random() < 0.3 && live.length > 0) {
      const k = int(Math.max(0, live.length - 200), live.length - 1);
      const id = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      out = core.apply({ v: 1, kind: 'cancel', order_id: id, request_id: `r${i}`, ts });
    } else {
      const side = random() < 0.5 ? 'Buy' : 'Sell';
      const account = `acct-${int(0, ACCOUNTS - 1)}`;
      const isMarket = random() < 0.05;
      const offset = int(-4, 7);
      const place: PlaceCommand = {
        v: 1,
        kind: 'place',
        order_id: `o${i}`,
        side,
        type: isMarket ? 'Market' : 'Limit',
        tif: isMarket ? 'IOC' : 'GTC',
        price_ticks: isMarket ? null : Math.max(1, side === 'Buy' ? mid - offset : mid + offset),
        qty_lots: int(1, 10),
      };
      inputs.push({ lock: { v: 1, kind: 'lock', order_id: place.order_id, account_id: account, symbol: SYMBOL, side, type: place.type, price_ticks: place.price_ticks, qty_lots: place.qty_lots, quote_quantity: null } });
      locks++;
      out = core.apply({ ...place, ts });
      if (out.some((e) => e.kind === 'rested')) live.push(place.order_id);
    }
    inputs.push({ events: out });
    events += out.length;
    for (const e of out) if (e.kind === 'trade') trades++;
  }
  return { deposits, inputs, locks, events, trades };
}

function run(tape: ReturnType<typeof record>): { ms: number; cpuUs: number } {
  const ledger = new Ledger(config);
  for (const d of tape.deposits) ledger.transfer(d);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const input of tape.inputs) {
    if ('lock' in input) {
      if (!ledger.lock(input.lock).ok) throw new Error(`bench tape: lock of ${input.lock.order_id} refused`);
    } else ledger.applyEvents(SYMBOL, input.events);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (ledger.openHolds === 0) throw new Error('bench tape left no order open: it does not exercise resting holds');
  return { ms, cpuUs: cpu.user + cpu.system };
}

const tape = record();
const runs = Array.from({ length: RUNS }, () => run(tape)).sort((a, b) => a.ms - b.ms);
const median = runs[Math.floor(RUNS / 2)];
const perSec = (n: number) => Math.round(n / (median.ms / 1000));
const result = {
  bench: 'ledger',
  commands: COMMANDS,
  accounts: ACCOUNTS,
  locks: tape.locks,
  events: tape.events,
  trades: tape.trades,
  median_ms: Math.round(median.ms),
  cpu_ms: Math.round(median.cpuUs / 1000),
  orders_per_s: perSec(tape.locks),
  events_per_s: perSec(tape.events),
  trades_per_s: perSec(tape.trades),
  orders_per_cpu_s: Math.round(tape.locks / (median.cpuUs / 1e6)),
  trades_per_cpu_s: Math.round(tape.trades / (median.cpuUs / 1e6)),
  load_avg_1m: Number(loadavg()[0].toFixed(2)),
};
console.log(`ledger core on the tape: ${result.orders_per_s.toLocaleString()} orders/s, ${result.events_per_s.toLocaleString()} events/s, ${result.trades_per_s.toLocaleString()} trades settled/s (median of ${RUNS})`);
console.log(JSON.stringify(result));
