import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createLogger, createRedis, describeRedisTarget, DEFAULT_HTTP_LIMITS, DEFAULT_LEDGER_SHARDS, httpServerOptions, WRITE_ONCE_OPTIONS, type Durability, type HttpLimits, type Logger, type RedisClient, type RedisTarget } from '@xtrader/platform';
import { accountKeys, symbolKeys, XtError, type AssetSpec, type MarketSpec } from '@xtrader/protocol';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import proxyAddr from 'proxy-addr';
import { accountReader, accountRouter } from './account/router';
import { binanceRouter } from './binance';
import {
  AccountStore,
  Authenticator,
  authRouter,
  DEFAULT_LOGIN_PER_ADDRESS,
  DEFAULT_LOGIN_PER_USERNAME,
  DEFAULT_SIGNUP_PER_ADDRESS,
  RedisLimit,
  type AuthConfig,
} from './auth';
import { corsPolicy } from './cors';
import { marketRouter } from './market/router';
import { MarketReader } from './market/reader';
import { errorHandler, sendError } from './errors';
import { healthRouter } from './health';
import { DEFAULT_MARKET_HEALTH, MarketHealth, type MarketHealthOptions } from './market-health';
import { ApiMetrics } from './metrics';
import { acceptFastPath } from './orders/accept-fast-path';
import { cancelAllHandler, cancelOrderHandler } from './orders/cancel';
import { OutcomeHub } from './orders/outcomes';
import { LedgerOrders } from './ledger/orders';
import { LedgerShardClient } from './ledger/shard-client';
import { adminRouter } from './ledger/admin-router';
import { DEFAULT_FAUCET_AMOUNTS, faucetRouter, parseFaucetAmounts } from './ledger/faucet';
import { LedgerReader } from './ledger/reader';
import { Transfers } from './ledger/transfers';
import { placeOrderHandler } from './orders/place';
import { orderRouter } from './orders/router';
import { OrderStore } from './orders/store';
import { DEFAULT_WAIT_MS } from './orders/validate';
import { rateLimit, type RateLimitOptions } from './rate-limit';
import { isJsonType, JSON_BODY_LIMIT, JSON_TYPE } from './raw-json';

export interface ApiDeps {
  /** Command client (fails fast while Redis is down: the api answers 503 instead of hanging). */
  redis: RedisClient;
  /** More command clients like `redis` that order appends (to the ledger shards) rotate over. */
  appendRedis?: RedisClient[];
  /** `XT_DURABILITY=replica`: places (and every ledger request) are answered only once a replica has them. */
  durability?: Durability;
  /** Subscriber client for the engine's outcome channels. */
  sub: RedisClient;
  /** Subscriber client of its own for the ledger shards' answers. */
  ledgerSub: RedisClient;
  /** The ledger shards (default {@link DEFAULT_LEDGER_SHARDS} of them). */
  ledger?: LedgerOptions;
  prefix: string;
  markets: ReadonlyMap<string, MarketSpec>;
  /** Every asset of the config, with its precision. */
  assets: ReadonlyMap<string, AssetSpec>;
  log: Logger;
  /** The operator's settings (admin routes off without a token). */
  admin?: AdminOptions;
  /** Per-client limit on orders and cancels (off when absent). */
  rateLimit?: RateLimitOptions;
  /** When a market whose engine is gone stops accepting orders (default {@link DEFAULT_MARKET_HEALTH}). */
  marketHealth?: MarketHealthOptions;
  auth?: AuthConfig;
  /** Peers trusted to name the client in X-Forwarded-For (proxy-addr trust list; default none). */
  trustProxy?: string;
  binance?: BinanceOptions;
}

export interface AdminOptions {
  /** XT_ADMIN_TOKEN: bearer token of the admin routes; unset or empty, they answer 404. */
  token?: string;
  /** XT_FAUCET=on: the demo faucet's routes (else 404). */
  faucet?: boolean;
  /** XT_FAUCET_AMOUNTS: `ASSET=amount,...` one faucet call deposits (default {@link DEFAULT_FAUCET_AMOUNTS}). */
  faucetAmounts?: string;
  /** The faucet's clock, whose hour limits each account to one call (default Date.now; tests set it). */
  faucetClock?: () => number;
}

export interface LedgerOptions {
  /** XT_LEDGER_SHARDS: must be the ledger writers' count. */
  shardCount?: number;
  /** LEDGER_ANSWER_TIMEOUT_MS: how long a request waits for its shard's answer. */
  answerTimeoutMs?: number;
}

export interface BinanceOptions {
  /** Binance request weight per client address per minute on this node (0 = unlimited). */
  weightPerMinute?: number;
}

export interface ApiApp {
  app: Express;
  /** What the HTTP server runs: the order-accept fast path, then Express for everything else. */
  listener: RequestListener;
  metrics: ApiMetrics;
  outcomes: OutcomeHub;
  /** The node's client of the ledger shards. */
  ledger: LedgerShardClient;
  /** Subscribes to the outcome and ledger answer channels; call before serving. */
  ready(): Promise<void>;
  /** Stops background work (the engine heartbeat reads). */
  stop(): void;
}

/** Builds the Express app of one api node; it holds no order state of its own. */
export function createApiApp(deps: ApiDeps): ApiApp {
  const { redis, sub, prefix, markets, log } = deps;
  const metrics = new ApiMetrics();
  const store = new OrderStore(redis, prefix, markets);
  const outcomes = new OutcomeHub(
    sub,
    [...markets.keys()].map((s) => symbolKeys(s, prefix).outcomes),
    log,
  );
  const ledger = new LedgerShardClient({ redis, appendRedis: deps.appendRedis, durability: deps.durability, sub: deps.ledgerSub, prefix, shardCount: deps.ledger?.shardCount ?? DEFAULT_LEDGER_SHARDS, log, answerTimeoutMs: deps.ledger?.answerTimeoutMs });
  const accounts = new AccountStore(redis, prefix, { sessionTtlSeconds: deps.auth?.sessionTtlSeconds, cacheMs: deps.auth?.cacheMs });
  const ledgerReader = new LedgerReader(redis, prefix, ledger.shardCount, deps.assets);
  const transfers = new Transfers(redis, prefix, deps.assets, accounts, ledger);
  const limitKeys = accountKeys(prefix);
  const tradeLimit = new RedisLimit(redis, limitKeys.rateLimit('trade-account'), deps.auth?.tradePerAccount ?? { points: 0, windowSeconds: 1 }, 'orders and cancels');
  const auth = new Authenticator(accounts, { allowedOrigins: deps.auth?.allowedOrigins, tradeLimit });
  const limits = {
    signupPerAddress: new RedisLimit(redis, limitKeys.rateLimit('signup-address'), deps.auth?.signupPerAddress ?? DEFAULT_SIGNUP_PER_ADDRESS, 'signups'),
    loginPerAddress: new RedisLimit(redis, limitKeys.rateLimit('login-address'), deps.auth?.loginPerAddress ?? DEFAULT_LOGIN_PER_ADDRESS, 'login attempts'),
    loginPerUsername: new RedisLimit(redis, limitKeys.rateLimit('login-username'), deps.auth?.loginPerUsername ?? DEFAULT_LOGIN_PER_USERNAME, 'login attempts'),
  };
  const trust = proxyAddr.compile((deps.trustProxy ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  // The pages allowed to use the session cookie are the ones allowed to call across origins.
  const cors = corsPolicy(deps.auth?.allowedOrigins ?? []);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Routes match as spelled: the rate limit in front of Express knows the paths by their spelling.
  app.set('case sensitive routing', true);
  app.use(cors.middleware);
  app.use(metrics.middleware());
  const health = new MarketHealth(redis, prefix, [...markets.keys()], deps.marketHealth ?? DEFAULT_MARKET_HEALTH, log);
  const ledgerOrders = new LedgerOrders(ledger);
  const place = placeOrderHandler({ store, orders: ledgerOrders, outcomes, ledger, markets, assets: deps.assets, metrics, health });
  const cancel = cancelOrderHandler({ store, outcomes, ledger });
  const cancelAll = cancelAllHandler({ store, outcomes, ledger });
  const readAccount = accountReader({ accounts, markets, ledger: ledgerReader });
  // Binance's dialect reads its parameters from the query string or a form body, as Binance
  // clients send them; its signed routes need the X-MBX-APIKEY header, which no foreign page can
  // send without a CORS preflight, so the form body is no cross-site hole.
  app.use(
    '/api/v3',
    binanceRouter({
      redis,
      prefix,
      markets,
      reader: new MarketReader(redis, prefix),
      credentials: accounts.credentials,
      chargeTrade: (who) => auth.chargeTrade(who),
      metrics,
      log,
      clientOf: (req) => proxyAddr(req, trust),
      weightPerMinute: deps.binance?.weightPerMinute,
      orders: {
        place,
        cancel: (symbol, orderId, accountId) => cancel(orderId, accountId, DEFAULT_WAIT_MS, symbol),
        cancelAll: (symbol, accountId) => cancelAll([symbol], accountId, DEFAULT_WAIT_MS),
        find: (symbol, orderId, accountId) => store.find(orderId, accountId, symbol),
        byClientOrderId: (symbol, clientOrderId, accountId) => store.orderIdOfClientOrder(symbol, accountId, clientOrderId),
        orders: (accountId, symbols, status, limit) => store.ordersOf(accountId, symbols, status, limit),
        trades: (accountId, symbols, limit) => store.tradesOf(accountId, symbols, limit),
        account: readAccount,
        ordersMax: store.accountOrdersMax,
      },
    }),
  );
  // Only JSON is read as a body: a form or text/plain POST is what a foreign page can send
  // without asking the browser first (no CORS preflight), so it must never place or cancel.
  app.use((req, _res, next) => {
    if (req.method !== 'POST' || isJsonType(req.headers['content-type'])) return next();
    next(new XtError('UNSUPPORTED_MEDIA_TYPE', `the body must be JSON sent as Content-Type: ${JSON_TYPE}`));
  });
  // The raw body is kept: a signed request's signature covers it byte for byte.
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: JSON_TYPE, strict: false, verify: (req, _res, buf) => void (req.rawBody = buf.toString('utf8')) }));
  app.use(healthRouter(redis, prefix, [...markets.keys()], health));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const orders = orderRouter({ store, ledgerOrders, outcomes, cancel, cancelAll, metrics, place, auth, markets });
  app.use('/api/v1', orders);
  app.use('/v1', orders);
  app.use('/api/v1', authRouter({ accounts, auth, limits, trust }));
  app.use('/api/v1', accountRouter({ accounts, auth, markets, ledger: ledgerReader }));
  if (deps.admin?.token) app.use('/api/v1', adminRouter({ token: deps.admin.token, transfers, reader: ledgerReader }));
  if (deps.admin?.faucet) app.use('/api/v1', faucetRouter({ auth, transfers, amounts: parseFaucetAmounts(deps.admin.faucetAmounts ?? DEFAULT_FAUCET_AMOUNTS, deps.assets), now: deps.admin.faucetClock }));
  app.use('/api/v1', marketRouter({ redis, prefix, markets: markets as Map<string, MarketSpec> }));
  app.use((_req, res) => sendError(res, new XtError('NOT_FOUND', 'no such route'), metrics));
  app.use(errorHandler(log, metrics));
  const accept = acceptFastPath({ place, auth, metrics, log, cors }, app);
  const listener = deps.rateLimit ? rateLimit(deps.rateLimit, metrics, cors, accept) : accept;
  return {
    app,
    listener,
    metrics,
    outcomes,
    ledger,
    ready: async () => {
      health.start();
      await Promise.all([outcomes.start(), ledger.start()]);
    },
    stop: () => health.stop(),
  };
}

export interface StartApiOptions {
  /** Redis: a URL, or a cluster's seed nodes (`redisTarget(env)`). */
  redisUrl: RedisTarget;
  prefix: string;
  markets: ReadonlyMap<string, MarketSpec>;
  /** The config's assets (default: those of XT_SYMBOLS_FILE or config/symbols.json). */
  assets?: ReadonlyMap<string, AssetSpec>;
  admin?: AdminOptions;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  log?: Logger;
  /** Redis connections that order appends rotate over (default {@link DEFAULT_APPEND_CONNECTIONS}). */
  appendConnections?: number;
  rateLimit?: RateLimitOptions;
  marketHealth?: MarketHealthOptions;
  auth?: AuthConfig;
  trustProxy?: string;
  /** `XT_DURABILITY=replica`: places (and every ledger request) are answered only once a replica has them. */
  durability?: Durability;
  binance?: BinanceOptions;
  ledger?: LedgerOptions;
  /** How long a client may take to send a request (default {@link DEFAULT_HTTP_LIMITS}). */
  httpLimits?: HttpLimits;
}

/**
 * Redis reads at most 16 KB per connection per event-loop turn and, with appendfsync always,
 * fsyncs once per turn: one connection carried ~4,800 accepts/s here, each order ~900 bytes.
 */
export const DEFAULT_APPEND_CONNECTIONS = 4;

export interface RunningApi {
  url: string;
  port: number;
  server: Server;
  api: ApiApp;
  close(): Promise<void>;
}

/** Connects to Redis, subscribes, and listens: used by `main.ts` and by in-process tests. */
export async function startApi(opts: StartApiOptions): Promise<RunningApi> {
  const log = opts.log ?? createLogger('api');
  // Auto-pipelining: concurrent requests share one write to Redis (throughput under load).
  // Write-once: a place in flight when a connection drops is failed, never sent again.
  const commandClient = (role: string) => createRedis(opts.redisUrl, role, { ...WRITE_ONCE_OPTIONS, enableAutoPipelining: true });
  const redis = commandClient('api');
  const appendRedis = Array.from({ length: Math.max(0, (opts.appendConnections ?? DEFAULT_APPEND_CONNECTIONS) - 1) }, (_, i) => commandClient(`api-append-${i + 1}`));
  const sub = createRedis(opts.redisUrl, 'api-sub');
  const ledgerSub = createRedis(opts.redisUrl, 'api-ledger-sub');
  const waiting = setTimeout(() => log.warn('waiting for Redis', { redis: describeRedisTarget(opts.redisUrl) }), 2000);
  await Promise.all([redis, ...appendRedis].map((c) => (c.status === 'ready' ? undefined : new Promise<void>((resolve) => c.once('ready', () => resolve())))));
  clearTimeout(waiting);
  const api = createApiApp({ redis, appendRedis, sub, ledgerSub, ledger: opts.ledger, admin: opts.admin, assets: opts.assets ?? loadExchangeConfig().assets, prefix: opts.prefix, markets: opts.markets, log, rateLimit: opts.rateLimit, marketHealth: opts.marketHealth, auth: opts.auth, trustProxy: opts.trustProxy, binance: opts.binance, durability: opts.durability });
  await api.ready();
  const server = createServer(httpServerOptions(opts.httpLimits ?? DEFAULT_HTTP_LIMITS), api.listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    api,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      api.stop();
      for (const c of [redis, ...appendRedis, sub, ledgerSub]) c.disconnect();
    },
  };
}
