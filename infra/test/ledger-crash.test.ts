/**
 * Whole-system crash drill of the ledger (issue #13): Redis with AOF fsync always, two ledger
 * writer processes (a leader and a standby for every shard), an active and a standby engine per
 * symbol, two api nodes. Accounts on both shards are funded through the admin deposit route; then
 * a seeded tape of several thousand orders (limits on both sides that cross, markets, cancels, a
 * few withdrawals) flows while kill -9 hits the leading ledger writer, the active engines and an
 * api node at seeded points of the flow. Afterwards, on the quiescent exchange:
 * - the ledger audit passes (per asset sum(available + locked) + fees == deposits - withdrawals,
 *   locked == holds == what the open orders need, every trade leg settled exactly once, counted
 *   by the writers in the commit that settles it);
 * - through REST: every account's `locked` is what its open orders need (recomputed from the open
 *   orders' terms and fills), and the accounts' totals plus the fee report are what the drill
 *   deposited less what it withdrew;
 * - every order reached its symbol's stream once, and the same accepted sequence replayed on a
 *   fresh stack without kills gives the same trades, books, open orders, balances and fees.
 * XT_CRASH_SEED picks another tape and other kill points; XT_LEDGER_DRILL_ORDERS another length.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createRedis, seededRandom, waitFor, type RedisClient } from '@xtrader/platform';
import {
  accountShard,
  entryField,
  eventsOfEntry,
  FIELDS,
  parseAssetAmount,
  priceToTicks,
  quantityToLots,
  symbolKeys,
  type AccountResponse,
  type AssetSpec,
  type ExchangeConfig,
  type FeesResponse,
  type OrderView,
  type PlaceCommand,
  type PlaceOrderRequest,
  type TradeEvent,
} from '@xtrader/protocol';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { auditLedger, formatAudit, orderNeed } from '../../ledger/src/audit/checks';
import { lagging, readAudit, type AuditSource } from '../../ledger/src/audit/read';
import { ApiClient, ApiError } from '../src/api-client';
import { REPO_ROOT } from '../src/paths';
import { startStack, type Stack, type StackMember } from '../src/stack';

const SEED = Number(process.env.XT_CRASH_SEED ?? 13);
const ORDERS = Number(process.env.XT_LEDGER_DRILL_ORDERS ?? 3000);
const CONCURRENCY = 12;
const SHARDS = 2;
const SYMBOLS = ['BTC-KRW', 'ETH-KRW'];
const ADMIN_TOKEN = `drill-${randomBytes(8).toString('hex')}`;
/** At least this many accounts on each shard. */
const PER_SHARD = 3;
const DEPOSITS: [asset: string, amount: string][] = [
  ['KRW', '100000000000'],
  ['BTC', '1000'],
  ['ETH', '10000'],
];
const config: ExchangeConfig = loadExchangeConfig();

const stackEnv = {
  XT_LEDGER_SHARDS: String(SHARDS),
  XT_ADMIN_TOKEN: ADMIN_TOKEN,
  // Short leases: a standby takes over a killed leader within about a second.
  LEDGER_LEASE_MS: '1000',
  ENGINE_LEASE_MS: '1000',
  LEDGER_RECORD_SETTLEMENTS: 'on',
  // The drill waits for every position to reach the last entry; clock ticks would move them on.
  ENGINE_CLOCK_MS: '0',
  // The replay reads every command the engines applied, and the events are the record of every
  // trade (settled-once, the replay's comparison): no snapshot, so nothing is trimmed behind the
  // slowest shard. Recovery from snapshots is the engine crash drill's (engine/test/runner).
  ENGINE_TRIM_COMMANDS: 'false',
  ENGINE_SNAPSHOT_EVERY: '1000000',
  ENGINE_SNAPSHOT_MS: '3600000',
  // The drill is about crashes, not availability: a slow restart must not turn orders into 503.
  API_MARKET_GRACE_MS: '3600000',
  API_SIGNUP_LIMIT: '0',
  LOG_LEVEL: 'warn',
};

/**
 * The drilled stack, or (`kills` false) the fault-free one of the replay: one api node, one engine
 * per symbol, one writer and one shard, so that the order the replay sends its places in is the
 * order its one outbox forwards them (shards change no account's balances).
 */
const startDrillStack = (kills: boolean) =>
  startStack({
    apis: kills ? 2 : 1,
    realtimes: 0,
    enginesPerSymbol: kills ? 2 : 1,
    ledgerWriters: kills ? 2 : 1,
    appendOnly: true,
    symbols: SYMBOLS,
    prefix: `t-${randomBytes(4).toString('hex')}`,
    env: { ...stackEnv, XT_LEDGER_SHARDS: String(kills ? SHARDS : 1) },
  });

/** One step of the seeded tape. */
type Op =
  | { kind: 'place'; account: number; body: PlaceOrderRequest }
  | { kind: 'cancel'; account: number; target: number }
  | { kind: 'withdraw'; account: number; asset: string; amount: string; tx_id: string };

function tape(seed: number, n: number, accounts: number): Op[] {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const ops: Op[] = [];
  const placedBy: number[][] = Array.from({ length: accounts }, () => []);
  for (let i = 0; i < n; i++) {
    const account = int(0, accounts - 1);
    const r = random();
    if (r < 0.12 && placedBy[account].length > 0) {
      const mine = placedBy[account];
      ops.push({ kind: 'cancel', account, target: mine[int(Math.max(0, mine.length - 20), mine.length - 1)] });
      continue;
    }
    if (r > 0.995) {
      ops.push({ kind: 'withdraw', account, asset: 'KRW', amount: `${int(1, 999)}.${int(10, 99)}`, tx_id: `w-${seed}-${i}` });
      continue;
    }
    const btc = random() < 0.6;
    const symbol = btc ? 'BTC-KRW' : 'ETH-KRW';
    const side = random() < 0.5 ? 'Buy' : 'Sell';
    const market = random() < 0.08;
    const lots = int(1, 40);
    const quantity = btc ? (lots / 10_000).toFixed(4) : (lots / 1000).toFixed(3);
    const body: PlaceOrderRequest = market
      ? { symbol, side, type: 'Market', quantity, client_order_id: `d${i}` }
      : {
          symbol,
          side,
          type: 'Limit',
          // Around the mid, buys a little lower and sells a little higher: many cross, some rest.
          price: String(btc ? (50_000 + int(-6, 6) + (side === 'Buy' ? -1 : 1)) * 1000 : (30_000 + int(-6, 6) + (side === 'Buy' ? -1 : 1)) * 100),
          quantity,
          client_order_id: `d${i}`,
          ...(random() < 0.1 ? { time_in_force: 'IOC' as const } : {}),
        };
    placedBy[account].push(i);
    ops.push({ kind: 'place', account, body });
  }
  return ops;
}

/** An account of the drill: one client per api node (the same key), its id and shard. */
interface Trader {
  id: string;
  clients: ApiClient[];
}

async function newTraders(stack: Stack): Promise<Trader[]> {
  const traders: Trader[] = [];
  const perShard = new Map<number, number>();
  // Account ids are random: sign up until every shard has its share.
  while ([...Array(SHARDS).keys()].some((s) => (perShard.get(s) ?? 0) < PER_SHARD)) {
    if (traders.length > 40) throw new Error('signed up 40 accounts and the shards still lack their share');
    const first = await ApiClient.withNewAccount(stack.apiUrls[0], 'drill', 15_000);
    const id = (await first.request<AccountResponse>('GET', '/api/v1/account')).account_id;
    const shard = accountShard(id, SHARDS);
    if ((perShard.get(shard) ?? 0) >= PER_SHARD) continue;
    perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    traders.push({ id, clients: stack.apiUrls.map((url) => new ApiClient(url, 15_000, first.credentials)) });
  }
  return traders;
}

/** The operator's client of an api node (the admin routes). */
const admin = (url: string) => new ApiClient(url, 15_000);
const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function fund(stack: Stack, traders: Trader[], tag: string): Promise<void> {
  for (const t of traders) {
    for (const [asset, amount] of DEPOSITS) {
      await admin(stack.apiUrls[0]).request('POST', '/api/v1/admin/deposits', { account_id: t.id, asset, amount, tx_id: `dep-${tag}-${t.id}-${asset}` }, adminHeaders);
    }
  }
}

/** Integer units of an amount of `asset` as the API shows it (a JSON number or decimal string). */
function units(asset: AssetSpec, value: number | string): bigint {
  return Number(value) === 0 ? 0n : parseAssetAmount(asset, value);
}

/** Every command of a symbol's stream, in order. */
async function commandsOf(redis: RedisClient, prefix: string, symbol: string): Promise<{ kind: string; [k: string]: unknown }[]> {
  const entries = (await redis.xrange(symbolKeys(symbol, prefix).commands, '-', '+')) as [string, string[]][];
  return entries.map(([, f]) => JSON.parse(entryField(f, FIELDS.command)!) as { kind: string });
}

/** Every trade of a symbol, from its committed events. */
async function tradesOf(redis: RedisClient, prefix: string, symbol: string): Promise<TradeEvent[]> {
  const entries = (await redis.xrange(symbolKeys(symbol, prefix).events, '-', '+')) as [string, string[]][];
  return entries.flatMap(([, f]) => eventsOfEntry(entryField(f, FIELDS.events)!)).filter((e): e is TradeEvent => e.kind === 'trade');
}

/** What an exchange ends with, keyed by account index so two runs compare. */
interface Outcome {
  balances: Record<string, string>;
  openOrders: Record<string, string[]>;
  books: Record<string, unknown>;
  fees: FeesResponse['fees'];
  trades: Record<string, string[]>;
}

async function outcomeOf(stack: Stack, redis: RedisClient, traders: Trader[]): Promise<Outcome & { views: OrderView[][]; accounts: AccountResponse[] }> {
  const index = new Map(traders.map((t, i) => [t.id, i]));
  const client = (t: Trader) => t.clients[0];
  const accounts = await Promise.all(traders.map((t) => client(t).request<AccountResponse>('GET', '/api/v1/account')));
  const views = await Promise.all(traders.map((t) => client(t).request<{ orders: OrderView[] }>('GET', '/api/v1/orders?status=open&limit=1000').then((r) => r.orders)));
  const balances: Record<string, string> = {};
  accounts.forEach((a, i) => {
    for (const b of a.balances ?? []) if (b.available !== 0 || b.locked !== 0) balances[`${i} ${b.asset}`] = `${b.available} / ${b.locked}`;
  });
  const openOrders: Record<string, string[]> = {};
  views.forEach((list, i) => {
    openOrders[i] = list.map((o) => `${o.symbol} ${o.side} ${o.price} ${o.quantity} filled ${o.filled_quantity} ${o.status}`).sort();
  });
  const books: Record<string, unknown> = {};
  const trades: Record<string, string[]> = {};
  for (const symbol of SYMBOLS) {
    const book = await admin(stack.apiUrls[0]).request<{ orderbook: { bids: unknown; asks: unknown } }>('GET', `/api/v1/orderbook/${symbol}`);
    books[symbol] = { bids: book.orderbook.bids, asks: book.orderbook.asks };
    trades[symbol] = (await tradesOf(redis, stack.prefix, symbol)).map((t) => {
      const buyer = t.taker_side === 'Buy' ? t.taker_account_id : t.maker_account_id;
      const seller = t.taker_side === 'Buy' ? t.maker_account_id : t.taker_account_id;
      return `${t.price_ticks} x ${t.qty_lots} taker ${t.taker_side} buyer ${index.get(buyer!)} seller ${index.get(seller!)} fees ${t.taker_fee}/${t.maker_fee}`;
    });
  }
  const fees = (await admin(stack.apiUrls[0]).request<FeesResponse>('GET', '/api/v1/admin/fees', undefined, adminHeaders)).fees;
  return { balances, openOrders, books, fees, trades, views, accounts };
}

const auditSource = (stack: Stack, redis: RedisClient, shardCount = SHARDS): AuditSource => ({ redis, prefix: stack.prefix, shardCount, symbols: SYMBOLS, settlements: true });

async function quiescent(stack: Stack, redis: RedisClient, what: string, shardCount = SHARDS): Promise<void> {
  let inFlight: string[] = [];
  await waitFor(what, async () => (inFlight = await lagging(auditSource(stack, redis, shardCount))).length === 0, { timeoutMs: 180_000, intervalMs: 200 }).catch((e: Error) => {
    throw new Error(`${e.message}; still in flight:\n${inFlight.join('\n')}`);
  });
}

let stack: Stack | undefined;
let fresh: Stack | undefined;
const clients: RedisClient[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await fresh?.stop();
  await stack?.stop();
});

test(`kill -9 of ledger writers, engines and an api node while ${ORDERS} funded orders flow: money conserved, locks exact, every trade settled once, as a fault-free run`, async () => {
  const started = Date.now();
  stack = await startDrillStack(true);
  const s = stack;
  const redis = createRedis(s.redisUrl, 'drill');
  clients.push(redis);
  const traders = await newTraders(s);
  await fund(s, traders, 'a');
  const ops = tape(SEED, ORDERS, traders.length);

  // --- the flow, with kills at seeded points ---
  const random = seededRandom(SEED * 7 + 1);
  const down = new Set<number>();
  const orderIds = new Map<number, string>();
  const figures = { places: 0, accepted: 0, refused: {} as Record<string, number>, timeouts: 0, retries: 0, cancels: 0, withdrawals: 0, kills: { ledger: 0, engine: 0, api: 0 } };
  const withdrawn = new Map<string, bigint>();
  let next = 0;
  let done = 0;

  /** One request, on the op's api node or the other one while that is down or dying. */
  async function send<T>(op: number, t: Trader, call: (c: ApiClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let node = (op + attempt) % t.clients.length;
      if (down.has(node)) node = (node + 1) % t.clients.length;
      try {
        return await call(t.clients[node]);
      } catch (e) {
        // No answer (the node was killed under the request): the same request again, elsewhere.
        if (!(e instanceof ApiError) || e.status !== 0 || attempt > 20) throw e;
        figures.retries++;
      }
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= ops.length) return;
      const op = ops[i];
      const t = traders[op.account];
      if (op.kind === 'place') {
        figures.places++;
        try {
          const a = await send(i, t, (c) => c.placeOrder(op.body));
          orderIds.set(i, a.order_id);
          figures.accepted++;
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          if (e.status === 504) figures.timeouts++;
          else figures.refused[e.code] = (figures.refused[e.code] ?? 0) + 1;
        }
      } else if (op.kind === 'cancel') {
        const id = orderIds.get(op.target);
        if (id !== undefined) {
          figures.cancels++;
          // 200 cancelled, 404 already ended, 504 the engine is being replaced: all fine here.
          await send(i, t, (c) => c.request('DELETE', `/api/v1/order/${id}?timeout_ms=200`)).catch((e: unknown) => {
            if (!(e instanceof ApiError)) throw e;
          });
        }
      } else {
        await send(i, t, (c) => c.request('POST', '/api/v1/admin/withdrawals', { account_id: t.id, asset: op.asset, amount: op.amount, tx_id: op.tx_id }, adminHeaders));
        figures.withdrawals++;
        withdrawn.set(op.asset, (withdrawn.get(op.asset) ?? 0n) + parseAssetAmount(config.assets.get(op.asset)!, op.amount));
      }
      done++;
    }
  }

  const roles = ['ledger', 'engine', 'api', 'ledger', 'engine', 'ledger', 'engine', 'api', 'ledger', 'engine'] as const;
  const killPoints = roles.map((_, k) => Math.floor(((k + 0.3 + random() * 0.6) / (roles.length + 1)) * ops.length));
  async function killer(): Promise<void> {
    for (const [k, role] of roles.entries()) {
      await waitFor(`the flow to reach op ${killPoints[k]}`, () => done >= killPoints[k], { timeoutMs: 300_000, intervalMs: 20 });
      let victim: StackMember | undefined;
      if (role === 'ledger') {
        const shard = Math.floor(random() * SHARDS);
        victim = await waitFor(`a leader of ledger shard ${shard}`, () => s.activeLedger(shard), { timeoutMs: 30_000 });
      } else if (role === 'engine') {
        const symbol = SYMBOLS[Math.floor(random() * SYMBOLS.length)];
        victim = await waitFor(`an active ${symbol} engine`, () => s.activeEngine(symbol), { timeoutMs: 30_000 });
      } else {
        victim = s.process('api-2');
        down.add(1);
      }
      await victim.kill('SIGKILL');
      figures.kills[role]++;
      await victim.start();
      if (role === 'api') down.delete(1);
    }
  }

  await Promise.all([killer(), ...Array.from({ length: CONCURRENCY }, worker)]);
  const flowSeconds = (Date.now() - started) / 1000;
  // The replay's stack starts while the drilled one settles and is checked.
  const freshStarting = startDrillStack(false);
  freshStarting.catch(() => undefined);
  await quiescent(s, redis, 'the exchange to settle after the flow');
  const settledAt = Date.now();
  const passed: string[] = [];

  // --- 1. the ledger audit: conservation, locks, holds, settled once ---
  const auditInput = await readAudit(auditSource(s, redis));
  expect({ check: 'the events hold every trade', complete: auditInput.trades?.complete }).toEqual({ check: 'the events hold every trade', complete: true });
  const report = auditLedger(config, auditInput);
  expect({ check: 'ledger audit', report: formatAudit(report) }).toEqual({ check: 'ledger audit', report: expect.stringMatching(/ledger audit passed/) });
  passed.push(...report.checks.map((c) => `audit: ${c.name} (${c.detail})`));
  const settledOnce = report.checks.find((c) => c.name === 'every trade settled exactly once');
  expect({ check: 'settled-once was checked', present: settledOnce !== undefined }).toEqual({ check: 'settled-once was checked', present: true });
  // The operators' command says the same.
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'ledger/src/audit/main.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, REDIS_URL: String(s.redisUrl), XT_PREFIX: s.prefix, XT_LEDGER_SHARDS: String(SHARDS), LEDGER_RECORD_SETTLEMENTS: 'on', XT_SYMBOLS_FILE: join(s.logDir, 'symbols.json') },
  });
  expect({ check: 'npm run ledger:audit', status: cli.status, out: cli.stdout.trim().split('\n').pop() }).toEqual({ check: 'npm run ledger:audit', status: 0, out: 'ledger audit passed (5 checks)' });
  passed.push('npm run ledger:audit on the same exchange: exit 0');

  // --- 2. through REST: locked is what the open orders need; totals are deposits less withdrawals ---
  const run = await outcomeOf(s, redis, traders);
  const lockMismatch: string[] = [];
  const held = new Map<string, bigint>();
  run.accounts.forEach((account, i) => {
    const need = new Map<string, bigint>();
    for (const o of run.views[i]) {
      const m = config.units.get(o.symbol)!;
      const spec = m.market;
      const feeUnit: AssetSpec = { asset: 'fee', decimals: spec.config.fee_decimals, unit: { mantissa: 1n, scale: spec.config.fee_decimals } };
      const n = orderNeed(m, {
        side: o.side,
        type: o.type,
        price_ticks: o.price === null ? null : priceToTicks(spec, o.price),
        qty_lots: quantityToLots(spec, o.quantity),
        filled: o.fills.reduce(
          (t, f) => {
            const [price, lots] = [priceToTicks(spec, f.price), quantityToLots(spec, f.quantity)];
            return { lots: t.lots + lots, notional: t.notional + BigInt(price) * BigInt(lots), fee: t.fee + Number(units(feeUnit, f.fee)) };
          },
          { lots: 0, notional: 0n, fee: 0 },
        ),
      });
      need.set(n.asset, (need.get(n.asset) ?? 0n) + n.amount);
    }
    for (const b of account.balances ?? []) {
      const asset = config.assets.get(b.asset)!;
      const locked = units(asset, b.locked);
      if (locked !== (need.get(b.asset) ?? 0n)) lockMismatch.push(`account ${i} (${account.account_id}) locks ${b.locked} ${b.asset}; its ${run.views[i].length} open orders need ${need.get(b.asset) ?? 0n} units`);
      held.set(b.asset, (held.get(b.asset) ?? 0n) + units(asset, b.available) + locked);
    }
  });
  expect({ check: "every account's locked equals what its open orders need (REST)", mismatches: lockMismatch }).toEqual({ check: "every account's locked equals what its open orders need (REST)", mismatches: [] });
  passed.push(`REST: locked equals the open orders' needs for ${traders.length} accounts (${run.views.flat().length} open orders)`);
  const conservation: string[] = [];
  for (const [asset, amount] of DEPOSITS) {
    const spec = config.assets.get(asset)!;
    const fee = run.fees.find((f) => f.asset === asset);
    const total = (held.get(asset) ?? 0n) + (fee ? units(spec, fee.amount) : 0n);
    const expected = parseAssetAmount(spec, amount) * BigInt(traders.length) - (withdrawn.get(asset) ?? 0n);
    if (total !== expected) conservation.push(`${asset}: accounts + fees hold ${total} units, deposits - withdrawals are ${expected}`);
  }
  expect({ check: 'REST: per asset sum(available + locked) + fees == deposits - withdrawals', failures: conservation }).toEqual({ check: 'REST: per asset sum(available + locked) + fees == deposits - withdrawals', failures: [] });
  passed.push(`REST: per asset sum(available + locked) + fees == deposits - withdrawals (${DEPOSITS.map(([a]) => a).join(', ')})`);

  // --- 3. every accepted order reached its symbol's stream exactly once ---
  const streams = new Map<string, { kind: string; [k: string]: unknown }[]>();
  const placed = new Map<string, number>();
  for (const symbol of SYMBOLS) {
    streams.set(symbol, await commandsOf(redis, s.prefix, symbol));
    for (const c of streams.get(symbol)!) if (c.kind === 'place') placed.set(c.order_id as string, (placed.get(c.order_id as string) ?? 0) + 1);
  }
  // Accepted: placed once. Any other (a 504 whose lock was still on its way): at most once.
  const notOnce = [
    ...[...orderIds].filter(([, id]) => placed.get(id) !== 1).map(([i, id]) => `op ${i}: order ${id} placed ${placed.get(id) ?? 0} times`),
    ...[...placed].filter(([, n]) => n > 1).map(([id, n]) => `order ${id} placed ${n} times`),
  ];
  expect({ check: 'every accepted order placed exactly once', failures: notOnce.slice(0, 10) }).toEqual({ check: 'every accepted order placed exactly once', failures: [] });
  passed.push(`every one of ${orderIds.size} accepted orders placed exactly once on its symbol's stream, none of the ${placed.size} placed twice`);

  // --- 4. the same accepted sequence on a fresh stack without kills ---
  const checkedAt = Date.now();
  fresh = await freshStarting;
  const f = fresh;
  const freshRedis = createRedis(f.redisUrl, 'drill-replay');
  clients.push(freshRedis);
  const freshTraders = await replayTraders(f, traders.length);
  await fund(f, freshTraders, 'b');
  for (const op of ops) {
    if (op.kind === 'withdraw') await freshTraders[op.account].clients[0].request('POST', '/api/v1/admin/withdrawals', { account_id: freshTraders[op.account].id, asset: op.asset, amount: op.amount, tx_id: op.tx_id }, adminHeaders);
  }
  const accountIndex = new Map(traders.map((t, i) => [t.id, i]));
  const byClientId = new Map(ops.flatMap((op) => (op.kind === 'place' ? [[op.body.client_order_id!, op.body] as const] : [])));
  await Promise.all(
    SYMBOLS.map(async (symbol) => {
      // One command at a time: a place once its lock is granted (the one shard forwards in the
      // order it granted), the place before a cancel in wait mode (so the cancel finds it, and
      // every earlier place, applied), a cancel once applied. The engine sees exactly the faulted
      // run's sequence.
      const replayed = new Map<string, { id: string; trader: Trader }>();
      const commands = streams.get(symbol)!;
      for (const [n, c] of commands.entries()) {
        if (c.kind === 'place') {
          const p = c as unknown as PlaceCommand;
          const trader = freshTraders[accountIndex.get(p.account_id!)!];
          // A fresh client_order_id per entry: should a retry have placed one body twice, the replay places it twice too.
          const body = { ...byClientId.get(p.client_order_id!)!, client_order_id: `r${n}` };
          const wait = commands[n + 1]?.kind === 'cancel' ? '?wait=true&timeout_ms=20000' : '';
          const answer = await trader.clients[0].request<{ order_id: string }>('POST', `/api/v1/order${wait}`, body);
          replayed.set(p.order_id, { id: answer.order_id, trader });
        } else if (c.kind === 'cancel') {
          const target = replayed.get(c.order_id as string);
          // 404: the order had ended by then, as it had in the faulted run (whose cancel changed nothing).
          if (target) await target.trader.clients[0].request('DELETE', `/api/v1/order/${target.id}?timeout_ms=20000`).catch((e: unknown) => expect(e).toMatchObject({ status: 404 }));
        }
      }
    }),
  );
  await quiescent(f, freshRedis, 'the fault-free replay to settle', 1);
  const replay = await outcomeOf(f, freshRedis, freshTraders);
  for (const part of ['trades', 'books', 'openOrders', 'balances', 'fees'] as const) {
    expect({ check: `fault-free replay: same ${part}`, value: run[part] }).toEqual({ check: `fault-free replay: same ${part}`, value: replay[part] });
    passed.push(`fault-free replay: same ${part}`);
  }
  const freshReport = auditLedger(config, await readAudit(auditSource(f, freshRedis, 1)));
  expect({ check: 'fault-free replay audit', ok: freshReport.ok }).toEqual({ check: 'fault-free replay audit', ok: true });

  const trades = Object.values(run.trades).reduce((n, list) => n + list.length, 0);
  expect(trades).toBeGreaterThan(500);
  expect(figures.kills).toEqual({ ledger: 4, engine: 4, api: 2 });
  const summary = {
    seed: SEED,
    ops: ops.length,
    ...figures,
    trades,
    accounts: traders.length,
    shards: SHARDS,
    flow_s: Math.round(flowSeconds),
    settle_s: Math.round((settledAt - started) / 1000 - flowSeconds),
    checks_s: Math.round((checkedAt - settledAt) / 1000),
    replay_s: Math.round((Date.now() - checkedAt) / 1000),
    total_s: Math.round((Date.now() - started) / 1000),
    load_avg_1m: Number(loadavg()[0].toFixed(2)),
    checks_passed: passed.length,
  };
  console.log(`ledger crash drill: ${JSON.stringify(summary)}\n${passed.map((p) => `  passed: ${p}`).join('\n')}`);
}, 600_000);

/** As many fresh accounts on the replay stack (the shard each lands on changes none of its balances). */
async function replayTraders(stack: Stack, count: number): Promise<Trader[]> {
  const out: Trader[] = [];
  for (let i = 0; i < count; i++) {
    const c = await ApiClient.withNewAccount(stack.apiUrls[0], 'replay', 15_000);
    const id = (await c.request<AccountResponse>('GET', '/api/v1/account')).account_id;
    out.push({ id, clients: [c] });
  }
  return out;
}
