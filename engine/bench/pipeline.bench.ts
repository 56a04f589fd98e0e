/**
 * Order pipeline benchmark (`npm run bench:pipeline`), on a spawned redis-server, loopback only.
 *
 * 1. raw_drain_s: a bare XREADGROUP + XACK drain of a pre-filled command stream (the ceiling of
 *    reading a stream at all).
 * 2. engine_cmds_s: the lease-fenced runner (core + market data + order states, one atomic
 *    commit per batch) consuming the same stream from its start.
 * 3. api_orders_s: POST /api/v1/order (202 path: validate, Lua XADD) on a real api process,
 *    against bare_express_s: an Express JSON POST hello, same load generator and settings.
 * 4. e2e_orders_s: api process + engine process together: orders accepted per second, counted
 *    until the engine has committed the last one. e2e_ledger_orders_s (part `e2e-ledger`): the
 *    same with balances on: ledger writer processes, funded accounts, every order locked by its
 *    shard before the engine sees it, counted until every shard has settled the last event. The
 *    two alternate (BENCH_E2E_ROUNDS rounds, medians). Since the api locks every order, the run
 *    without the ledger needs the code from before that: BENCH_BASELINE_ROOT=<a checkout of it>.
 * 5. ledger_trades_s_per_shard (part `ledger`): the ledger writer processes (one per shard,
 *    BENCH_LEDGER_SHARDS, default 2) settling a backlog of the engine's committed events: the
 *    command mix (BENCH_LEDGER_COMMANDS, default 20,000) placed by BENCH_LEDGER_ACCOUNTS (1,000)
 *    funded accounts is run through an engine first
 *    (untimed) and each order locked by its shard's writer, then the events are appended at once
 *    and each writer is timed until it has applied them all (trades with a leg on its shard per
 *    second, and its CPU).
 * 6. commit_p50_ms / commit_p99_ms (part `latency`, not in the default set): crossing orders
 *    XADDed at BENCH_LATENCY_RATE per second (default 2000) for 8 s into an in-process runner;
 *    time from the XADD to the Execution on the feed stream (engine + Redis, no api/realtime).
 * The last line is one JSON object. Machines are shared and noisy: compare the ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type Redis from 'ioredis';
import { createLogger, RedisServer, seededRandom } from '@xtrader/platform';
import {
  accountShard,
  compareStreamIds,
  entryField,
  eventsOfEntry,
  FIELDS,
  LEDGER_POSITIONS,
  ledgerShardKeys,
  symbolKeys,
  type LedgerRequest,
  type PlaceCommand,
  type TradeEvent,
} from '@xtrader/protocol';
import { loadExchangeConfig, loadMarketMap } from '@xtrader/protocol/node';
import { cpuSeconds } from '../../infra/src/load/cpu';
import { SymbolRunner } from '../src/runner';

const ROOT = join(__dirname, '..', '..');
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 100_000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 6);
/** Alternating rounds of the api-vs-Express comparison (HTTP_SECONDS split among them). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
/** Drain/engine/drain rounds of the engine part (medians reported). */
const ENGINE_ROUNDS = Number(process.env.BENCH_ENGINE_ROUNDS ?? 1);
/** Which parts to run (comma list of engine, api, e2e, e2e-ledger, ledger, latency); all but latency by default. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'engine,api,e2e,e2e-ledger,ledger').split(','));
const LEDGER_SHARDS = Number(process.env.BENCH_LEDGER_SHARDS ?? 2);
/** Alternating rounds of e2e (without the ledger) and e2e-ledger (medians reported). */
const E2E_ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 1);
/** A checkout whose api places orders without the ledger: where part e2e runs its api and engine from. */
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT ?? ROOT;
const LEDGER_ACCOUNTS = Number(process.env.BENCH_LEDGER_ACCOUNTS ?? 1000);
/** Commands of the ledger part's mix (its backlog is built through an engine first, untimed). */
const LEDGER_COMMANDS = Number(process.env.BENCH_LEDGER_COMMANDS ?? 20_000);
const log = createLogger('bench', process.env.LOG_LEVEL ?? 'warn');

/** A realistic mix: limit orders around the mid (many cross), some market orders, 10% cancels. */
function commandMix(n: number): object[] {
  const random = seededRandom(42);
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 10 && random() < 0.1) {
      out.push({ v: 1, kind: 'cancel', order_id: `o${Math.floor(random() * i)}`, request_id: `r${i}` });
      continue;
    }
    const side = random() < 0.5 ? 'Buy' : 'Sell';
    const market = random() < 0.05;
    const cmd: PlaceCommand = {
      v: 1,
      kind: 'place',
      order_id: `o${i}`,
      side,
      type: market ? 'Market' : 'Limit',
      tif: market ? 'IOC' : 'GTC',
      price_ticks: market ? null : 50_000 + Math.floor(random() * 21) - 10,
      qty_lots: 1 + Math.floor(random() * 100),
    };
    out.push(cmd);
  }
  return out;
}

async function fill(redis: Redis, stream: string, cmds: object[]): Promise<string> {
  let last = '';
  for (let i = 0; i < cmds.length; i += 5000) {
    const p = redis.pipeline();
    for (const c of cmds.slice(i, i + 5000)) p.xadd(stream, '*', FIELDS.command, JSON.stringify(c));
    const res = (await p.exec()) ?? [];
    last = res[res.length - 1][1] as string;
  }
  return last;
}

async function rawDrain(redis: Redis, stream: string, total: number): Promise<number> {
  await redis.xgroup('CREATE', stream, 'bench', '0');
  const started = performance.now();
  let seen = 0;
  while (seen < total) {
    const reply = (await redis.xreadgroup('GROUP', 'bench', 'c1', 'COUNT', BATCH, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    await redis.xack(stream, 'bench', ...entries.map((e) => e[0]));
    seen += entries.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await redis.xgroup('DESTROY', stream, 'bench');
  return seen / seconds;
}

/** Waits until the position is at or past `id` (clock commands may move it past the id awaited). */
async function waitPosition(redis: Redis, key: string, id: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reached = async () => {
    const pos = await redis.get(key);
    return pos !== null && compareStreamIds(pos, id) >= 0;
  };
  while (!(await reached())) {
    if (Date.now() > deadline) throw new Error(`engine did not reach ${id}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Spawns a node process (in `cwd`) and resolves with the port it reports on stderr. */
function spawnServer(args: string[], env: Record<string, string>, portRe: RegExp, cwd = ROOT): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (b: Buffer) => {
      buf += b.toString();
      const m = portRe.exec(buf);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${buf}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function load(url: string, requests: autocannon.Request[], seconds = HTTP_SECONDS): Promise<{ rps: number; ok: number; errors: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests });
  return { rps: result.requests.average, ok: result['2xx'], errors: result.errors + result.non2xx };
}

/** Signs up a fresh account on the api at `url` and logs in: the session token its orders carry. */
async function sessionToken(url: string): Promise<string> {
  const credentials = { username: `bench_${process.pid}_${Math.floor(performance.now())}`, password: 'bench password 1234' };
  const post = async (path: string) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { token?: string };
  };
  await post('/api/v1/auth/signup');
  return (await post('/api/v1/auth/login')).token!;
}

const BARE_EXPRESS = `
const express = require('express');
const app = express();
app.use(express.json());
app.post('/hello', (req, res) => res.status(202).json({ hello: req.body.symbol ?? 'world' }));
const s = app.listen(0, '127.0.0.1', () => console.error('port=' + s.address().port));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;

/** One order body of the api load, alternating sides so the engine matches as it goes; `token` is the account's session. */
const order = (side: string, token: string): autocannon.Request => ({
  method: 'POST',
  path: '/api/v1/order',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  // One account sends both sides: its orders trade with each other on purpose (no self-trade prevention).
  body: JSON.stringify({ symbol: 'BTC-KRW', side, type: 'Limit', price: 50_000_000, quantity: 0.01, self_trade_prevention: 'NONE' }),
});

/**
 * 1 + 2: the same pre-filled stream, drained bare, then consumed by the engine from its start,
 * then drained again. With BENCH_ENGINE_ROUNDS > 1 this repeats on fresh keys and reports the
 * medians (a shared machine's load swings hit single runs hard).
 */
async function benchEngine(server: RedisServer, redis: Redis, results: Record<string, number>): Promise<void> {
  const engine: number[] = [];
  const drain: number[] = [];
  for (let round = 0; round < ENGINE_ROUNDS; round++) {
    const r = await engineRound(server, redis, `bench-engine${round === 0 ? '' : `-${round}`}`);
    engine.push(r.engine);
    drain.push(r.drain);
    console.log(`round ${round + 1}: raw XREADGROUP+XACK drain ${Math.round(r.drain)} cmds/s, engine ${Math.round(r.engine)} cmds/s`);
    if (ENGINE_ROUNDS > 1) await redis.flushdb();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results.engine_cmds_s = Math.round(median(engine));
  results.raw_drain_s = Math.round(median(drain));
  console.log(`raw XREADGROUP+XACK drain: ${results.raw_drain_s} cmds/s`);
  console.log(`engine (core + market data + fenced commit, batch ${BATCH}): ${results.engine_cmds_s} cmds/s`);
}

async function engineRound(server: RedisServer, redis: Redis, prefix: string): Promise<{ engine: number; drain: number }> {
  const spec = loadMarketMap().get('BTC-KRW')!;
  const keys = symbolKeys('BTC-KRW', prefix);
  const last = await fill(redis, keys.commands, commandMix(COMMANDS));
  const drainBefore = await rawDrain(redis, keys.commands, COMMANDS);
  const runner = new SymbolRunner({ spec, redisUrl: server.url, prefix, engineId: 'bench', log, batchSize: BATCH });
  void runner.start();
  await runner.whenLeader();
  const started = performance.now();
  await waitPosition(redis, keys.position, last);
  const engine = COMMANDS / ((performance.now() - started) / 1000);
  await runner.stop();
  // Drained again after the engine: the baseline is the mean of both, around the engine's run.
  const drainAfter = await rawDrain(redis, keys.commands, COMMANDS);
  return { engine, drain: (drainBefore + drainAfter) / 2 };
}

/** 5: XADD -> Execution on the feed stream, open loop at a fixed rate (engine + Redis only). */
async function benchLatency(server: RedisServer, redis: Redis, results: Record<string, number>): Promise<void> {
  const rate = Number(process.env.BENCH_LATENCY_RATE ?? 2000);
  const total = rate * 8;
  const spec = loadMarketMap().get('BTC-KRW')!;
  const keys = symbolKeys('BTC-KRW', 'bench-latency');
  const runner = new SymbolRunner({ spec, redisUrl: server.url, prefix: 'bench-latency', engineId: 'bench', log, batchSize: BATCH });
  void runner.start();
  await runner.whenLeader();
  const feed = server.client();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let reading = true;
  const reader = (async () => {
    let cursor = '$';
    while (reading) {
      const reply = (await feed.xread('BLOCK', 200, 'STREAMS', keys.feed, cursor)) as [string, [string, string[]][]][] | null;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        cursor = id;
        const msg = JSON.parse(fields[1]) as { type: string; order_id?: string };
        const t = msg.type === 'Execution' && msg.order_id ? sentAt.get(msg.order_id) : undefined;
        if (t !== undefined) latencies.push(performance.now() - t);
      }
    }
  })();
  const started = performance.now();
  for (let i = 0; i < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; i < due; i++) {
      const cmd: PlaceCommand = { v: 1, kind: 'place', order_id: `l${i}`, side: i % 2 ? 'Buy' : 'Sell', type: 'Limit', tif: 'GTC', price_ticks: 50_000, qty_lots: 1 };
      sentAt.set(cmd.order_id, performance.now());
      void redis.xadd(keys.commands, '*', FIELDS.command, JSON.stringify(cmd));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const deadline = Date.now() + 10_000;
  while (latencies.length < total / 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  reading = false;
  await reader;
  feed.disconnect();
  await runner.stop();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Number(latencies[Math.floor(p * (latencies.length - 1))].toFixed(2));
  results.commit_p50_ms = q(0.5);
  results.commit_p99_ms = q(0.99);
  console.log(`XADD -> Execution on the feed at ${rate}/s (n=${latencies.length}): p50 ${results.commit_p50_ms} ms, p99 ${results.commit_p99_ms} ms`);
}

/**
 * 5: each shard's writer process settling the same backlog of committed events. The orders of the
 * command mix belong to funded accounts; an engine (in this process, untimed) turns them into
 * events under a staging prefix while the writers lock every order; then the events entries are
 * appended to the real events stream in one go and each writer is timed until its position reaches
 * the last one.
 */
async function benchLedger(server: RedisServer, redis: Redis, results: Record<string, number>): Promise<void> {
  const prefix = 'bench-ledger';
  const staging = 'bench-ledger-staging';
  const config = loadExchangeConfig();
  const spec = config.markets.find((m) => m.symbol === 'BTC-KRW')!;
  const accounts = Array.from({ length: LEDGER_ACCOUNTS }, (_, i) => `acct-${i}`);
  const random = seededRandom(7);
  const mix = commandMix(LEDGER_COMMANDS).map((c) => ((c as PlaceCommand).kind === 'place' ? { ...(c as PlaceCommand), account_id: accounts[Math.floor(random() * accounts.length)] } : c));

  // The engine's events of the mix, under the staging prefix.
  const stagingKeys = symbolKeys('BTC-KRW', staging);
  const last = await fill(redis, stagingKeys.commands, mix);
  const runner = new SymbolRunner({ spec, redisUrl: server.url, prefix: staging, engineId: 'bench', log, batchSize: BATCH });
  void runner.start();
  await runner.whenLeader();
  await waitPosition(redis, stagingKeys.position, last);
  await runner.stop();
  const entries = (await redis.xrange(stagingKeys.events, '-', '+')) as [string, string[]][];
  const trades = entries.flatMap(([, f]) => eventsOfEntry(entryField(f, FIELDS.events)!)).filter((e): e is TradeEvent => e.kind === 'trade');
  await redis.del(...(await redis.keys(`${staging}:*`)));

  // Deposits, then every order's lock, on its account's shard; the writers apply them (untimed).
  const requests = new Map<number, LedgerRequest[]>(Array.from({ length: LEDGER_SHARDS }, (_, s) => [s, []]));
  const shardOf = (a: string) => accountShard(a, LEDGER_SHARDS);
  for (const a of accounts) {
    for (const [asset, amount] of [['KRW', '1000000000000'], ['BTC', '100000']]) {
      requests.get(shardOf(a))!.push({ kind: 'transfer', request_id: `d-${a}-${asset}`, transfer: { v: 1, kind: 'deposit', tx_id: `d-${a}-${asset}`, account_id: a, asset, amount } });
    }
  }
  for (const c of mix) {
    const p = c as PlaceCommand;
    if (p.kind !== 'place') continue;
    const lock = { v: 1, kind: 'lock', order_id: p.order_id, account_id: p.account_id!, symbol: 'BTC-KRW', side: p.side, type: p.type, price_ticks: p.price_ticks, qty_lots: p.qty_lots, quote_quantity: null } as const;
    requests.get(shardOf(p.account_id!))!.push({ kind: 'lock', request_id: `l-${p.order_id}`, lock, place: p });
  }
  const lastRequest = new Map<number, string>();
  for (const [shard, list] of requests) lastRequest.set(shard, await fill(redis, ledgerShardKeys(shard, prefix).commands, list));
  const writers = await Promise.all(Array.from({ length: LEDGER_SHARDS }, (_, shard) => startWriter(server, prefix, shard)));
  const positions = (shard: number) => redis.hgetall(ledgerShardKeys(shard, prefix).positions);
  for (const [shard, id] of lastRequest) await waitField(() => positions(shard), LEDGER_POSITIONS.commands, id);

  // The timed part: every writer settles the whole backlog of events.
  const events = symbolKeys('BTC-KRW', prefix).events;
  const cpu0 = writers.map((w) => cpuSeconds(w.child.pid!) ?? 0);
  const t0 = performance.now();
  let lastEvent = '';
  for (let i = 0; i < entries.length; i += 50) {
    const p = redis.pipeline();
    for (const [, f] of entries.slice(i, i + 50)) p.xadd(events, '*', ...f);
    const res = (await p.exec()) ?? [];
    lastEvent = res[res.length - 1][1] as string;
  }
  const perShard = await Promise.all(
    writers.map(async (w, shard) => {
      await waitField(() => positions(shard), LEDGER_POSITIONS.events('BTC-KRW'), lastEvent);
      const seconds = (performance.now() - t0) / 1000;
      const mine = trades.filter((t) => [t.taker_account_id, t.maker_account_id].some((a) => a !== undefined && shardOf(a) === shard)).length;
      return { trades: mine, seconds, cpu: (cpuSeconds(w.child.pid!) ?? 0) - cpu0[shard] };
    }),
  );
  for (const w of writers) await stopChild(w.child);
  perShard.forEach((r, shard) => {
    results[`ledger_shard${shard}_trades_s`] = Math.round(r.trades / r.seconds);
    // A shared machine's load hits wall time first: the writer's own CPU per trade is the steadier figure.
    if (r.cpu > 0) results[`ledger_shard${shard}_trades_per_cpu_s`] = Math.round(r.trades / r.cpu);
    console.log(`ledger shard ${shard}: ${r.trades} trades settled in ${r.seconds.toFixed(2)} s = ${Math.round(r.trades / r.seconds)} trades/s (writer CPU ${r.cpu.toFixed(2)} s)`);
  });
  results.ledger_trades_s_per_shard = Math.round(perShard.reduce((s, r) => s + r.trades / r.seconds, 0) / perShard.length);
  results.ledger_trades = trades.length;
  console.log(`ledger (${LEDGER_SHARDS} writer processes, ${LEDGER_ACCOUNTS} accounts, ${LEDGER_COMMANDS} commands): ${results.ledger_trades_s_per_shard} trades settled/s per shard (mean), ${trades.length} trades`);
}

/** Waits until a hash field (a stream position) is at or past `id`. */
async function waitField(read: () => Promise<Record<string, string>>, field: string, id: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pos = (await read())[field];
    if (pos !== undefined && compareStreamIds(pos, id) >= 0) return;
    if (Date.now() > deadline) throw new Error(`ledger did not reach ${id} of ${field} (at ${pos ?? 'nothing'})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function apiEnv(server: RedisServer, prefix: string): Record<string, string> {
  return { PORT: '0', HOST: '127.0.0.1', REDIS_URL: server.url, XT_PREFIX: prefix, LOG_LEVEL: 'info' };
}
const API_PORT = /"api listening","port":(\d+)/;

/**
 * 3: a real api process against bare Express, same load generator and settings. Both servers
 * stay up and are loaded in alternating rounds, so a load swing on a shared machine hits both.
 */
async function benchApi(server: RedisServer, results: Record<string, number>): Promise<void> {
  const bare = await spawnServer(['-e', BARE_EXPRESS], {}, /port=(\d+)/);
  // The 202 path without the ledger (BENCH_BASELINE_ROOT once the api locks every order).
  const api = await spawnServer(['--import', 'tsx', join(BASELINE_ROOT, 'api', 'src', 'main.ts')], apiEnv(server, 'bench-api'), API_PORT, BASELINE_ROOT);
  const token = await sessionToken(`http://127.0.0.1:${api.port}`);
  const hello: autocannon.Request = {
    method: 'POST',
    path: '/hello',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ symbol: 'BTC-KRW', side: 'Buy', type: 'Limit', price: 50_000_000, quantity: 0.01 }),
  };
  let bareTotal = 0;
  let apiTotal = 0;
  let errors = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const b = await load(`http://127.0.0.1:${bare.port}`, [hello], HTTP_SECONDS / ROUNDS);
    const a = await load(`http://127.0.0.1:${api.port}`, [order('Buy', token), order('Sell', token)], HTTP_SECONDS / ROUNDS);
    bareTotal += b.rps;
    apiTotal += a.rps;
    errors += a.errors;
  }
  await stopChild(bare.child);
  await stopChild(api.child);
  results.bare_express_s = Math.round(bareTotal / ROUNDS);
  results.api_orders_s = Math.round(apiTotal / ROUNDS);
  console.log(`bare Express JSON POST: ${results.bare_express_s} req/s`);
  console.log(`api POST /api/v1/order (202, no engine): ${results.api_orders_s} req/s, errors ${errors}`);
}

/**
 * 4: api process + engine process together, counted until the engine committed the last order.
 * With `ledger` (part `e2e-ledger`): also the ledger writer processes (one per shard), the orders
 * of two funded accounts (a buyer and a seller), each locked by its shard before it reaches the
 * engine, counted until every shard has settled the engine's last event.
 */
async function benchEndToEnd(server: RedisServer, redis: Redis, ledger: boolean, round: number): Promise<number> {
  const prefix = `${ledger ? 'bench-e2e-ledger' : 'bench-e2e'}-${round}`;
  // The pipeline without the ledger is today's code, or the code at BENCH_BASELINE_ROOT once the
  // api can no longer place an order without locking it.
  const root = ledger ? ROOT : BASELINE_ROOT;
  const adminToken = 'bench-admin';
  const env = { ...apiEnv(server, prefix), ...(ledger ? { XT_LEDGER_SHARDS: String(LEDGER_SHARDS), XT_ADMIN_TOKEN: adminToken } : {}) };
  const api = await spawnServer(['--import', 'tsx', join(root, 'api', 'src', 'main.ts')], env, API_PORT, root);
  const engine = await spawnServer(
    ['--max-semi-space-size=64', '--import', 'tsx', join(root, 'engine', 'src', 'main.ts'), '--symbol', 'BTC-KRW'],
    { ...env, ENGINE_BATCH_SIZE: String(BATCH) },
    /"msg":"lease acquired".*?"token":"(\d+)/,
    root,
  );
  const writers = ledger ? await Promise.all(Array.from({ length: LEDGER_SHARDS }, (_, shard) => startWriter(server, prefix, shard))) : [];
  const url = `http://127.0.0.1:${api.port}`;
  const buyer = await sessionToken(url);
  const seller = ledger ? await sessionToken(url) : buyer;
  if (ledger) {
    for (const [token, asset, amount] of [[buyer, 'KRW', '1000000000000'], [seller, 'BTC', '1000000']]) {
      const account = (await (await fetch(`${url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } })).json()) as { account_id: string };
      const res = await fetch(`${url}/api/v1/admin/deposits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ account_id: account.account_id, asset, amount, tx_id: `bench-${account.account_id}-${asset}` }),
      });
      if (!res.ok) throw new Error(`deposit answered ${res.status}: ${await res.text()}`);
    }
  }
  const keys = symbolKeys('BTC-KRW', prefix);
  const t0 = performance.now();
  const flow = await load(url, [order('Buy', buyer), order('Sell', seller)]);
  const [[lastId]] = (await redis.xrevrange(keys.commands, '+', '-', 'COUNT', 1)) as [string, string[]][];
  await waitPosition(redis, keys.position, lastId);
  if (ledger) {
    const [[lastEvent]] = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
    for (let shard = 0; shard < LEDGER_SHARDS; shard++) await waitField(() => redis.hgetall(ledgerShardKeys(shard, prefix).positions), LEDGER_POSITIONS.events('BTC-KRW'), lastEvent);
  }
  const rate = Math.round(flow.ok / ((performance.now() - t0) / 1000));
  if (ledger) console.log(`round ${round + 1}: end to end with balances (api + ${LEDGER_SHARDS} ledger writers + engine, locked -> committed -> settled): ${rate} orders/s, non-2xx ${flow.errors}`);
  else console.log(`round ${round + 1}: end to end without the ledger${root === ROOT ? '' : ` (${root})`} (api + engine, accepted -> committed): ${rate} orders/s, non-2xx ${flow.errors}`);
  await stopChild(api.child);
  await stopChild(engine.child);
  for (const w of writers) await stopChild(w.child);
  return rate;
}

/** 4: the parts e2e and e2e-ledger in alternating rounds (a load swing hits both), medians reported. */
async function benchEndToEndRounds(server: RedisServer, redis: Redis, results: Record<string, number>): Promise<void> {
  const plain: number[] = [];
  const withLedger: number[] = [];
  for (let round = 0; round < E2E_ROUNDS; round++) {
    if (PARTS.has('e2e')) plain.push(await benchEndToEnd(server, redis, false, round));
    if (PARTS.has('e2e-ledger')) withLedger.push(await benchEndToEnd(server, redis, true, round));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (plain.length > 0) results.e2e_orders_s = median(plain);
  if (withLedger.length > 0) results.e2e_ledger_orders_s = median(withLedger);
}

/** One ledger writer process serving one shard, resolved once it leads it. */
function startWriter(server: RedisServer, prefix: string, shard: number) {
  return spawnServer(
    ['--import', 'tsx', join(ROOT, 'ledger', 'src', 'main.ts')],
    { REDIS_URL: server.url, XT_PREFIX: prefix, XT_LEDGER_SHARDS: String(LEDGER_SHARDS), LEDGER_SHARDS_HERE: String(shard), LEDGER_WRITER_ID: `bench-${shard}`, LOG_LEVEL: 'info' },
    /"msg":"ledger shard writer leads".*?"token":"(\d+)/,
  );
}

async function main(): Promise<void> {
  const server = await RedisServer.launch();
  const redis = server.client();
  const results: Record<string, number> = {};
  try {
    if (PARTS.has('engine')) await benchEngine(server, redis, results);
    if (PARTS.has('api')) await benchApi(server, results);
    if (PARTS.has('e2e') || PARTS.has('e2e-ledger')) await benchEndToEndRounds(server, redis, results);
    if (PARTS.has('ledger')) await benchLedger(server, redis, results);
    if (PARTS.has('latency')) await benchLatency(server, redis, results);
  } finally {
    redis.disconnect();
    await server.destroy();
  }
  const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(3)) : null);
  const line = {
    engine_cmds_s: results.engine_cmds_s ?? null,
    raw_drain_s: results.raw_drain_s ?? null,
    ratio_engine_vs_drain: ratio(results.engine_cmds_s, results.raw_drain_s),
    api_orders_s: results.api_orders_s ?? null,
    bare_express_s: results.bare_express_s ?? null,
    ratio_api_vs_express: ratio(results.api_orders_s, results.bare_express_s),
    e2e_orders_s: results.e2e_orders_s ?? null,
    ...(PARTS.has('e2e-ledger') ? { e2e_ledger_orders_s: results.e2e_ledger_orders_s, ratio_e2e_ledger_vs_e2e: ratio(results.e2e_ledger_orders_s, results.e2e_orders_s) } : {}),
    ...(PARTS.has('ledger') ? Object.fromEntries(Object.entries(results).filter(([k]) => k.startsWith('ledger_'))) : {}),
    ...(PARTS.has('latency') ? { commit_p50_ms: results.commit_p50_ms, commit_p99_ms: results.commit_p99_ms } : {}),
    commands: COMMANDS,
    batch: BATCH,
    connections: CONNECTIONS,
    load_avg_1m: Number(loadavg()[0].toFixed(2)),
  };
  console.log(JSON.stringify(line));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
