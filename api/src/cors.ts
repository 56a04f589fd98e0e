import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * Which browser pages may call the api from another origin: an allow-list of exact origins. A
 * page from any other origin gets no `Access-Control-Allow-Origin`, so the browser neither lets it
 * read answers nor sends its JSON orders (they need a preflight, which it fails); bodies that need
 * no preflight are not orders (only `application/json` is read).
 */
export interface CorsPolicy {
  /** Express middleware: CORS headers and preflight answers for the allowed origins. */
  middleware: RequestHandler;
  /** The CORS headers of an answer to a request with this `Origin` (for the routes in front of Express). */
  headers(origin: string | undefined): Record<string, string>;
}

/** Origins compare without case and without a trailing slash (as the session cookie's Origin check does). */
function normalize(origin: string): string {
  return origin.replace(/\/+$/, '').toLowerCase();
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  if (origins.length === 0) {
    const none: RequestHandler = (_req, _res, next) => next();
    return { middleware: none, headers: () => ({}) };
  }
  const allowed = new Set(origins.map(normalize));
  const isAllowed = (origin: string | undefined) => origin !== undefined && allowed.has(normalize(origin));
  return {
    // Credentials: an allowed page may send its session cookie.
    middleware: cors({ origin: (origin, done) => done(null, isAllowed(origin)), credentials: true }),
    // What cors() sends on a simple request: Vary always, the origin itself when allowed.
    headers: (origin): Record<string, string> =>
      isAllowed(origin) ? { 'Access-Control-Allow-Origin': origin!, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : { Vary: 'Origin' },
  };
}
