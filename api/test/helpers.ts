import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { createLogger, RedisServer } from '@xtrader/platform';
import { symbolKeys, type MarketSpec } from '@xtrader/protocol';
import { loadMarketMap } from '@xtrader/protocol/node';
import { startApi, type RunningApi } from '../src/app';
import type { RateLimitOptions } from '../src/rate-limit';
import { SymbolRunner } from '../../engine/src/runner';

/** A real redis-server, an in-process api node and one in-process engine runner per symbol. */
export interface Stack {
  redisServer: RedisServer;
  redis: Redis;
  api: RunningApi;
  runners: SymbolRunner[];
  prefix: string;
  markets: Map<string, MarketSpec>;
  stop(): Promise<void>;
}

export async function startStack(opts: { appendOnly?: boolean; engines?: boolean; rateLimit?: RateLimitOptions } = {}): Promise<Stack> {
  const redisServer = await RedisServer.launch({ appendOnly: opts.appendOnly ?? false });
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const markets = loadMarketMap();
  const log = createLogger('test', 'silent');
  const api = await startApi({ redisUrl: redisServer.url, prefix, markets, port: 0, host: '127.0.0.1', log, rateLimit: opts.rateLimit });
  const runners =
    opts.engines === false
      ? []
      : [...markets.values()].map(
          (spec) => new SymbolRunner({ spec, redisUrl: redisServer.url, prefix, engineId: `test-${spec.symbol}`, log, leaseMs: 1500, blockMs: 100 }),
        );
  for (const r of runners) void r.start();
  await Promise.all(runners.map((r) => r.whenLeader()));
  const redis = redisServer.client();
  return {
    redisServer,
    redis,
    api,
    runners,
    prefix,
    markets,
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await api.close();
      redis.disconnect();
      await redisServer.destroy();
    },
  };
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

/** Lengths of every symbol's command stream: "nothing enqueued" means these do not change. */
export async function commandLengths(stack: Stack): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of stack.markets.keys()) out[s] = await stack.redis.xlen(symbolKeys(s, stack.prefix).commands);
  return out;
}

/** Polls `check` until it returns a value (no event exists for "the engine has caught up"). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
