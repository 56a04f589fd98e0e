import type { ErrorRequestHandler, Response } from 'express';
import { isXtError, XtError, type ErrorCode } from '@xtrader/protocol';
import type { Logger } from '@xtrader/platform';
import type { ApiMetrics } from './metrics';
import { RateLimited } from './auth/redis-limit';

/** The longest piece of client input an error message repeats. */
const ECHO_LIMIT = 40;

/**
 * Client input as an error message may quote it: JSON-quoted, and cut with its length when long,
 * so that an answer never grows with what a client sent.
 */
export function clip(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const quoted = JSON.stringify(text.length > ECHO_LIMIT ? text.slice(0, ECHO_LIMIT) : text);
  return text.length > ECHO_LIMIT ? `${quoted.slice(0, -1)}..." (${text.length} characters)` : quoted;
}

/** Sends `{error, message}` (plus any extra fields) with the code's status. */
export function sendError(res: Response, err: XtError, metrics?: ApiMetrics, extra: Record<string, unknown> = {}): void {
  metrics?.errors.inc({ code: err.code });
  if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  res.status(err.status).json({ ...err.toBody(), ...extra });
}

/** body-parser failures and their codes. */
const PARSER_ERRORS: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['INVALID_JSON', 'the body is not valid JSON'],
  'entity.too.large': ['PAYLOAD_TOO_LARGE', 'the body is larger than 16kb'],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported charset'],
  'request.aborted': ['INVALID_REQUEST', 'the request was aborted'],
};

/**
 * Any thrown value as the error to answer with: an XtError as it is, a body-parser failure as its
 * code, anything else logged and answered as INTERNAL (never an HTML page or a stack trace).
 */
export function toXtError(err: unknown, log: Logger): XtError {
  if (isXtError(err)) return err;
  const type = (err as { type?: string }).type;
  const parser = type ? PARSER_ERRORS[type] : undefined;
  if (parser) return new XtError(parser[0], parser[1]);
  log.error('unhandled error', { error: String(err), stack: (err as Error).stack });
  return new XtError('INTERNAL', 'internal error');
}

/** The last middleware: every error becomes a clear `{error, message}`. */
export function errorHandler(log: Logger, metrics: ApiMetrics): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    sendError(res, toXtError(err, log), metrics);
  };
}
