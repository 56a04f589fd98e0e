import type { ServerOptions } from 'node:http';
import { z } from 'zod';

/**
 * How long a client may take to send a request, for every HTTP server of xTrader. Node's own
 * defaults (a minute for the headers, five for the whole request, checked every 30 s) let a
 * client that sends a few bytes at a time hold a connection, and a half-sent order, for minutes.
 */
export const HttpLimitsEnv = z
  .object({
    /** A request whose headers have not all arrived this long after the first byte is dropped (408). */
    XT_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** A request (headers and body) not fully received this long after the first byte is dropped (408). */
    XT_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  })
  .refine((e) => e.XT_HTTP_HEADERS_TIMEOUT_MS <= e.XT_HTTP_REQUEST_TIMEOUT_MS, {
    message: 'XT_HTTP_HEADERS_TIMEOUT_MS must not exceed XT_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
  });
export type HttpLimitsEnv = z.infer<typeof HttpLimitsEnv>;

/** The limits as milliseconds. */
export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export function httpLimitsOf(env: HttpLimitsEnv): HttpLimits {
  return { headersTimeoutMs: env.XT_HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.XT_HTTP_REQUEST_TIMEOUT_MS };
}

/** The defaults of {@link HttpLimitsEnv}. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = httpLimitsOf(HttpLimitsEnv.parse({}));

/**
 * `http.createServer` options that enforce `limits`: Node checks its timeouts only every
 * `connectionsCheckingInterval`, so that is set to a fraction of the shortest one.
 */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}
