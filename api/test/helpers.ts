import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer } from '@xtrader/platform';
import { symbolKeys, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap, signedHeaders } from '@xtrader/protocol/node';
import { startApi, type BinanceOptions, type RunningApi, type StartApiOptions } from '../src/app';
import type { AuthConfig } from '../src/auth';
import type { MarketHealthOptions } from '../src/market-health';
import type { RateLimitOptions } from '../src/rate-limit';
import { SymbolRunner } from '../../engine/src/runner';
import { fundAccount } from '../../infra/src/api-client';
import { LedgerWriters } from './support/ledger-writers';

export { LedgerWriters };

/** The test stacks' ledger: two account shards, each with an in-process writer. */
export const TEST_LEDGER_SHARDS = 2;
/** The test stacks' XT_ADMIN_TOKEN. */
export const TEST_ADMIN_TOKEN = 'test-admin-token';
/** The environment a test gives the api and ledger processes it spawns, so that `newAccount` can fund accounts there. */
export const TEST_LEDGER_ENV = { XT_LEDGER_SHARDS: String(TEST_LEDGER_SHARDS), XT_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
/** The options of an in-process api node that serves the test ledger (pair it with {@link LedgerWriters}). */
export const TEST_LEDGER_API = { ledger: { shardCount: TEST_LEDGER_SHARDS }, admin: { token: TEST_ADMIN_TOKEN } };

/** A real redis-server, an in-process api node and one in-process engine runner per symbol. */
export interface Stack {
  redisServer: RedisServer;
  redis: Redis;
  api: RunningApi;
  runners: SymbolRunner[];
  /** One ledger writer per shard (none with `ledger: false`). */
  ledger?: LedgerWriters;
  prefix: string;
  markets: Map<string, MarketSpec>;
  /** An account signed up on the api node, with a read+trade key: whom order routes act for. */
  account: Account;
  stop(): Promise<void>;
}

export async function startStack(opts: { appendOnly?: boolean; engines?: boolean; ledger?: boolean; rateLimit?: RateLimitOptions; auth?: AuthConfig; marketHealth?: MarketHealthOptions; binance?: BinanceOptions; orderFillsMax?: number } = {}): Promise<Stack> {
  const redisServer = await RedisServer.launch({ appendOnly: opts.appendOnly ?? false });
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const markets = loadMarketMap();
  const log = createLogger('test', 'silent');
  const api = await anotherNode({ redisServer, prefix, markets }, { log, rateLimit: opts.rateLimit, auth: opts.auth, marketHealth: opts.marketHealth, binance: opts.binance });
  const runners =
    opts.engines === false
      ? []
      : [...markets.values()].map(
          (spec) => new SymbolRunner({ spec, redisUrl: redisServer.url, prefix, engineId: `test-${spec.symbol}`, log, leaseMs: 1500, blockMs: 100, ledgerShards: TEST_LEDGER_SHARDS, ...(opts.orderFillsMax !== undefined ? { orderFillsMax: opts.orderFillsMax } : {}) }),
        );
  for (const r of runners) void r.start();
  const ledger = opts.ledger === false ? undefined : new LedgerWriters(redisServer.url, prefix, TEST_LEDGER_SHARDS);
  ledger?.start();
  await Promise.all([...runners.map((r) => r.whenLeader()), ledger?.whenLeading()]);
  const redis = redisServer.client();
  // Without its ledger writers the stack cannot fund: its account starts empty.
  const account = await newAccount(api.url, { funded: ledger !== undefined });
  return {
    account,
    redisServer,
    redis,
    api,
    runners,
    ledger,
    prefix,
    markets,
    async stop() {
      await Promise.all([...runners.map((r) => r.stop()), ledger?.stop()]);
      await api.close();
      redis.disconnect();
      await redisServer.destroy();
    },
  };
}

/** A BTC-KRW limit order body (tick 1000, lot 0.0001), with any extra fields a test needs. */
export const limit = (side: 'Buy' | 'Sell', price: number | string, quantity: number | string, extra: Record<string, unknown> = {}) => ({
  symbol: 'BTC-KRW',
  side,
  type: 'Limit',
  price,
  quantity,
  ...extra,
});

/**
 * One more api node on the stack's Redis and prefix (its own port, silent log), with whatever
 * options the test gives it: a second node, or one with other limits.
 */
export function anotherNode(stack: Pick<Stack, 'redisServer' | 'prefix' | 'markets'>, opts: Partial<StartApiOptions> = {}): Promise<RunningApi> {
  return startApi({
    redisUrl: stack.redisServer.url,
    prefix: stack.prefix,
    markets: stack.markets,
    port: 0,
    host: '127.0.0.1',
    log: createLogger('test', 'silent'),
    ...TEST_LEDGER_API,
    ...opts,
  });
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One HTTP call; `body` is JSON-encoded unless it is already a string (raw payloads). */
export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text so the assertion shows it */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** An account signed up and logged in, with an API key of both scopes. */
export interface Account {
  accountId: string;
  username: string;
  password: string;
  /** The session token (also usable as `Authorization: Bearer`). */
  token: string;
  apiKey: string;
  apiSecret: string;
}

let accountCount = 0;

/**
 * Signs up a fresh account on `baseUrl`, logs in, creates a read+trade API key and, unless
 * `funded: false`, deposits {@link GENEROUS_FUNDS} of every asset through the admin routes (the
 * node needs {@link TEST_ADMIN_TOKEN} and a ledger writer per shard, as {@link startStack} has).
 */
export async function newAccount(baseUrl: string, opts: { username?: string; funded?: boolean } = {}): Promise<Account> {
  const username = opts.username ?? `user_${process.pid}_${++accountCount}_${randomBytes(2).toString('hex')}`;
  const password = 'correct horse battery';
  const signup = await http('POST', `${baseUrl}/api/v1/auth/signup`, { username, password });
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${JSON.stringify(signup.body)}`);
  if (opts.funded !== false) await fundAccount(baseUrl, signup.body.account_id, { adminToken: TEST_ADMIN_TOKEN });
  const login = await http('POST', `${baseUrl}/api/v1/auth/login`, { username, password });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  const token = login.body.token as string;
  const key = await http('POST', `${baseUrl}/api/v1/api-keys`, { label: 'tests', scopes: ['read', 'trade'] }, { authorization: `Bearer ${token}` });
  if (key.status !== 201) throw new Error(`api key answered ${key.status}: ${JSON.stringify(key.body)}`);
  return { accountId: signup.body.account_id, username, password, token, apiKey: key.body.api_key, apiSecret: key.body.api_secret };
}

/**
 * One HTTP call signed with `account`'s API key (the body JSON-encoded unless it is a string, and
 * signed exactly as sent).
 */
export function signedHttp(account: Pick<Account, 'apiKey' | 'apiSecret'>, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const u = new URL(url);
  return http(method, url, body === undefined ? undefined : raw, { ...signedHeaders(account.apiKey, account.apiSecret, method, u.pathname + u.search, raw), ...headers });
}

/** One HTTP call with the session token as `Authorization: Bearer`. */
export function bearerHttp(account: Pick<Account, 'token'>, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return http(method, url, body, { authorization: `Bearer ${account.token}`, ...headers });
}

/** Lengths of every symbol's command stream: "nothing enqueued" means these do not change. */
export async function commandLengths(stack: Stack): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of stack.markets.keys()) out[s] = await stack.redis.xlen(symbolKeys(s, stack.prefix).commands);
  return out;
}

