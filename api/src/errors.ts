import type { ErrorRequestHandler, Response } from 'express';
import { isXtError, XtError, type ErrorCode } from '@xtrader/protocol';
import type { Logger } from '@xtrader/platform';
import type { ApiMetrics } from './metrics';

/** Sends `{error, message}` (plus any extra fields) with the code's status. */
export function sendError(res: Response, err: XtError, metrics?: ApiMetrics, extra: Record<string, unknown> = {}): void {
  metrics?.errors.inc({ code: err.code });
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

/** The last middleware: every error becomes a clear `{error, message}`, never an HTML page. */
export function errorHandler(log: Logger, metrics: ApiMetrics): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    if (isXtError(err)) return sendError(res, err, metrics);
    const type = (err as { type?: string }).type;
    const parser = type ? PARSER_ERRORS[type] : undefined;
    if (parser) return sendError(res, new XtError(parser[0], parser[1]), metrics);
    log.error('unhandled error', { error: String(err), stack: (err as Error).stack });
    sendError(res, new XtError('INTERNAL', 'internal error'), metrics);
  };
}
