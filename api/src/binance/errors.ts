import type { ErrorRequestHandler, Response } from 'express';
import { isXtError, type ErrorCode, type XtError } from '@xtrader/protocol';
import type { Logger } from '@xtrader/platform';
import { toXtError } from '../errors';
import type { ApiMetrics } from '../metrics';

/**
 * Binance's error codes that this dialect answers with, and the HTTP status Binance gives each.
 * Clients (CCXT's `binance` class among them) map the code, not the message, to an exception.
 */
export const BINANCE_CODES = {
  UNKNOWN: { code: -1000, status: 500 },
  DISCONNECTED: { code: -1001, status: 503 },
  TOO_MANY_REQUESTS: { code: -1003, status: 429 },
  TIMEOUT: { code: -1007, status: 504 },
  INVALID_TIMESTAMP: { code: -1021, status: 400 },
  INVALID_SIGNATURE: { code: -1022, status: 400 },
  ILLEGAL_CHARS: { code: -1100, status: 400 },
  TOO_MANY_PARAMETERS: { code: -1101, status: 400 },
  MANDATORY_PARAM_EMPTY_OR_MALFORMED: { code: -1102, status: 400 },
  UNKNOWN_PARAM: { code: -1103, status: 400 },
  UNREAD_PARAMETERS: { code: -1104, status: 400 },
  PARAM_EMPTY: { code: -1105, status: 400 },
  PARAM_NOT_REQUIRED: { code: -1106, status: 400 },
  INVALID_TIF: { code: -1115, status: 400 },
  INVALID_ORDER_TYPE: { code: -1116, status: 400 },
  INVALID_SIDE: { code: -1117, status: 400 },
  BAD_SYMBOL: { code: -1121, status: 400 },
  INVALID_INTERVAL: { code: -1120, status: 400 },
  INVALID_LIMIT: { code: -1127, status: 400 },
  BAD_RECV_WINDOW: { code: -1131, status: 400 },
  FILTER_FAILURE: { code: -1013, status: 400 },
  UNSUPPORTED_ORDER_COMBINATION: { code: -1014, status: 400 },
  NEW_ORDER_REJECTED: { code: -2010, status: 400 },
  CANCEL_REJECTED: { code: -2011, status: 400 },
  NO_SUCH_ORDER: { code: -2013, status: 400 },
  BAD_API_KEY_FMT: { code: -2014, status: 401 },
  REJECTED_MBX_KEY: { code: -2015, status: 401 },
  NOT_FOUND: { code: -1000, status: 404 },
} as const;
export type BinanceErrorName = keyof typeof BINANCE_CODES;

/** A Binance-dialect failure: answered as `{code, msg}` with Binance's status. */
export class BinanceError extends Error {
  override readonly name = 'BinanceError';
  readonly code: number;
  readonly status: number;
  constructor(
    readonly kind: BinanceErrorName,
    msg: string,
  ) {
    super(msg);
    this.code = BINANCE_CODES[kind].code;
    this.status = BINANCE_CODES[kind].status;
  }
  toBody(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/**
 * How the exchange's own codes read in Binance's dialect. The same functions serve both dialects,
 * so every failure of the shared place/cancel/query code arrives as an XtError and is translated
 * here; `context` says whether it came from placing or cancelling an order.
 */
const FROM_XT: Partial<Record<ErrorCode, BinanceErrorName>> = {
  INVALID_REQUEST: 'ILLEGAL_CHARS',
  INVALID_JSON: 'ILLEGAL_CHARS',
  INVALID_QUANTITY: 'FILTER_FAILURE',
  INVALID_PRICE: 'FILTER_FAILURE',
  PRICE_REQUIRED: 'MANDATORY_PARAM_EMPTY_OR_MALFORMED',
  INVALID_SIDE: 'INVALID_SIDE',
  INVALID_ORDER_TYPE: 'INVALID_ORDER_TYPE',
  INVALID_TIME_IN_FORCE: 'INVALID_TIF',
  INVALID_CLIENT_ORDER_ID: 'ILLEGAL_CHARS',
  INVALID_ORDER_ID: 'ILLEGAL_CHARS',
  SYMBOL_NOT_FOUND: 'BAD_SYMBOL',
  INVALID_INTERVAL: 'INVALID_INTERVAL',
  INVALID_DEPTH: 'INVALID_LIMIT',
  INVALID_LIMIT: 'INVALID_LIMIT',
  INSUFFICIENT_FUNDS: 'NEW_ORDER_REJECTED',
  DUPLICATE_CLIENT_ORDER_ID: 'NEW_ORDER_REJECTED',
  MARKET_UNAVAILABLE: 'NEW_ORDER_REJECTED',
  UNAUTHENTICATED: 'REJECTED_MBX_KEY',
  TIMESTAMP_OUT_OF_WINDOW: 'INVALID_TIMESTAMP',
  FORBIDDEN: 'REJECTED_MBX_KEY',
  ORDER_NOT_FOUND: 'NO_SUCH_ORDER',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  SERVICE_UNAVAILABLE: 'DISCONNECTED',
  TIMEOUT: 'TIMEOUT',
  PAYLOAD_TOO_LARGE: 'ILLEGAL_CHARS',
  UNSUPPORTED_MEDIA_TYPE: 'ILLEGAL_CHARS',
};

/** Filter failures name the filter, as Binance's messages do. */
const FILTER_OF: Partial<Record<ErrorCode, string>> = { INVALID_PRICE: 'PRICE_FILTER', INVALID_QUANTITY: 'LOT_SIZE' };

export function fromXtError(err: XtError, context: 'place' | 'cancel' | 'other' = 'other'): BinanceError {
  if (context === 'cancel' && err.code === 'ORDER_NOT_FOUND') {
    // Binance answers -2011 "Unknown order sent." to a cancel of an order it does not hold open.
    return new BinanceError('CANCEL_REJECTED', `Unknown order sent. ${err.message}`);
  }
  const kind = FROM_XT[err.code] ?? 'UNKNOWN';
  const filter = FILTER_OF[err.code];
  if (err.code === 'INSUFFICIENT_FUNDS') return new BinanceError(kind, `Account has insufficient balance for requested action. ${err.message}`);
  if (err.code === 'DUPLICATE_CLIENT_ORDER_ID') return new BinanceError(kind, `Duplicate order sent. ${err.message}`);
  return new BinanceError(kind, filter ? `Filter failure: ${filter}. ${err.message}` : err.message);
}

/** Any thrown value in Binance's dialect. */
export function toBinanceError(err: unknown, log: Logger, context: 'place' | 'cancel' | 'other' = 'other'): BinanceError {
  if (err instanceof BinanceError) return err;
  const xt = isXtError(err) ? err : toXtError(err, log);
  return fromXtError(xt, context);
}

export function sendBinanceError(res: Response, err: BinanceError, metrics?: ApiMetrics): void {
  metrics?.errors.inc({ code: String(err.code) });
  res.status(err.status).json(err.toBody());
}

/** The last handler of the `/api/v3` router: every failure answers `{code, msg}`. */
export function binanceErrorHandler(log: Logger, metrics: ApiMetrics): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    sendBinanceError(res, toBinanceError(err, log), metrics);
  };
}
