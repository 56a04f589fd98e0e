import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-gate';
import { CommonEnv, DEFAULT_AUTH_CACHE_MS, DEFAULT_HTTP_LIMITS, HttpLimitsEnv, type HttpLimits, type RedisTarget } from '@xtrader/platform';

/** `<repo>/web/dist`: where `npm run build:web` puts the trading page. */
export const DEFAULT_WEB_DIST = resolve(__dirname, '../../web/dist');

const Millis = z.coerce.number().int().positive();

/** Environment of a realtime node, validated at boot (see docs/architecture.md). */
export const RealtimeEnv = HttpLimitsEnv.extend({
  ...CommonEnv.shape,
  PORT: z.coerce.number().int().min(0).max(65535).default(7001),
  /** Interface to listen on; all interfaces when unset. */
  HOST: z.string().optional(),
  XT_WEB_DIST: z.string().default(DEFAULT_WEB_DIST),
  /** What `/config.json` tells the page as `apiUrl`; '' means same origin (behind a balancer). */
  XT_PUBLIC_API_URL: z.string().optional(),
  /**
   * Without XT_PUBLIC_API_URL, the page is told `http(s)://<host it was loaded from>:<this port>`:
   * the api on the page's own host name, where the page's session cookie is same-site.
   */
  XT_PUBLIC_API_PORT: z.coerce.number().int().min(1).max(65535).default(7000),
  /** What `/config.json` tells the page as `socketUrl`; omitted means the page's own origin. */
  XT_PUBLIC_SOCKET_URL: z.string().optional(),
  XT_PING_INTERVAL_MS: Millis.default(30_000),
  XT_PONG_TIMEOUT_MS: Millis.default(60_000),
  XT_CLIENT_QUEUE_LIMIT: z.coerce.number().int().min(2).default(100),
  XT_WS_HIGH_WATER_BYTES: z.coerce.number().int().positive().default(256 * 1024),
  /** Open connections (/ws and socket.io together) one client address may hold on this node. */
  XT_WS_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(DEFAULT_CONNECTION_LIMITS.perAddress),
  /** Open connections this node holds in all. */
  XT_WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(DEFAULT_CONNECTION_LIMITS.total),
  /** Subscribe, Unsubscribe and Auth messages one connection may send per second. */
  XT_SUBSCRIBES_PER_SECOND: z.coerce.number().int().min(1).default(DEFAULT_CONNECTION_LIMITS.subscribesPerSecond),
  /** Peers whose X-Forwarded-For names the client (proxy-addr trust list); none by default. */
  XT_TRUST_PROXY: z.string().default(DEFAULT_CONNECTION_LIMITS.trustProxy),
  /** How long a looked-up session or API key is reused from memory (ms), as on the api. */
  XT_AUTH_CACHE_MS: z.coerce.number().int().min(0).max(1000).default(DEFAULT_AUTH_CACHE_MS),
  /** How often each authenticated connection's credentials are checked again (ms). */
  XT_AUTH_RECHECK_MS: z.coerce.number().int().min(50).default(5_000),
});
export type RealtimeEnv = z.infer<typeof RealtimeEnv>;

/** The defaults of every setting, stated once: those of an empty environment. */
const DEFAULTS = RealtimeEnv.parse({});

/** Everything {@link startRealtime} needs; `main.ts` fills it from {@link RealtimeEnv}. */
export interface RealtimeOptions {
  /** TCP port; 0 picks a free one (read it back from the started node). Defaults: {@link RealtimeEnv}. */
  port?: number;
  host?: string;
  /** Redis: a URL, or a cluster's seed nodes (`redisTarget(env)`). */
  redisUrl: RedisTarget;
  /** Redis key prefix. */
  prefix?: string;
  /** Symbols whose feeds this node reads and whose topics clients may subscribe to. */
  symbols: readonly string[];
  /** Directory of the built web page. */
  webDist?: string;
  publicApiUrl?: string;
  /** The api's port on the page's host, used when `publicApiUrl` is unset. */
  publicApiPort?: number;
  publicSocketUrl?: string;
  /** App-level Ping period on /ws; also socket.io's engine ping interval. */
  pingIntervalMs?: number;
  /** A /ws client silent (no Pong) this long is closed. */
  pongTimeoutMs?: number;
  /** Messages a client may have waiting before it counts as a slow consumer. */
  queueLimit?: number;
  /** Bytes a client's socket (/ws or socket.io) may have buffered before we stop handing it frames. */
  wsHighWaterBytes?: number;
  /** After asking a slow or silent client to close, how long before the socket is destroyed. */
  closeGraceMs?: number;
  /** Feed entries read per stream per XREAD (default 50, at most half the queue limit). */
  feedBatch?: number;
  logLevel?: string;
  /** How long a client may take to send a request (default {@link DEFAULT_HTTP_LIMITS}). */
  httpLimits?: HttpLimits;
  /** Connection caps (default {@link DEFAULT_CONNECTION_LIMITS}). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** How long a looked-up session or API key is reused from memory (default 500 ms; 0 = always ask Redis). */
  authCacheMs?: number;
  /** How often authenticated connections' credentials are checked again (default 5 s). */
  authRecheckMs?: number;
}

export type ResolvedOptions = Required<Omit<RealtimeOptions, 'host' | 'publicApiUrl' | 'publicSocketUrl' | 'connectionLimits'>> &
  Pick<RealtimeOptions, 'host' | 'publicApiUrl' | 'publicSocketUrl'> & { connectionLimits: ConnectionLimits };

export function resolveOptions(o: RealtimeOptions): ResolvedOptions {
  const queueLimit = o.queueLimit ?? DEFAULTS.XT_CLIENT_QUEUE_LIMIT;
  return {
    port: o.port ?? DEFAULTS.PORT,
    host: o.host,
    redisUrl: o.redisUrl,
    prefix: o.prefix ?? DEFAULTS.XT_PREFIX,
    symbols: o.symbols,
    webDist: o.webDist ?? DEFAULTS.XT_WEB_DIST,
    publicApiUrl: o.publicApiUrl,
    publicApiPort: o.publicApiPort ?? DEFAULTS.XT_PUBLIC_API_PORT,
    publicSocketUrl: o.publicSocketUrl,
    pingIntervalMs: o.pingIntervalMs ?? DEFAULTS.XT_PING_INTERVAL_MS,
    pongTimeoutMs: o.pongTimeoutMs ?? DEFAULTS.XT_PONG_TIMEOUT_MS,
    queueLimit,
    wsHighWaterBytes: o.wsHighWaterBytes ?? DEFAULTS.XT_WS_HIGH_WATER_BYTES,
    closeGraceMs: o.closeGraceMs ?? 1_000,
    // A healthy client drains between two reads, so one read must never fill its queue alone.
    feedBatch: Math.max(1, Math.min(o.feedBatch ?? 50, Math.floor(queueLimit / 2))),
    logLevel: o.logLevel ?? process.env.LOG_LEVEL ?? DEFAULTS.LOG_LEVEL,
    httpLimits: o.httpLimits ?? DEFAULT_HTTP_LIMITS,
    connectionLimits: { ...DEFAULT_CONNECTION_LIMITS, ...o.connectionLimits },
    authCacheMs: o.authCacheMs ?? DEFAULT_AUTH_CACHE_MS,
    authRecheckMs: o.authRecheckMs ?? 5_000,
  };
}
