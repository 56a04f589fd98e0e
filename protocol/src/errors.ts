/**
 * Every error code the exchange answers with, and the HTTP status each one maps to.
 * One table, so the api, the engine and the UI never disagree on a code's meaning.
 */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_QUANTITY: 400,
  INVALID_PRICE: 400,
  PRICE_REQUIRED: 400,
  INVALID_SIDE: 400,
  INVALID_ORDER_TYPE: 400,
  INVALID_TIME_IN_FORCE: 400,
  INVALID_CLIENT_ORDER_ID: 400,
  INVALID_ORDER_ID: 400,
  SYMBOL_NOT_FOUND: 400,
  INVALID_AMOUNT: 400,
  ASSET_NOT_FOUND: 400,
  INSUFFICIENT_FUNDS: 400,
  INVALID_INTERVAL: 400,
  INVALID_DEPTH: 400,
  INVALID_LIMIT: 400,
  NOTHING_CHANGED: 400,
  QUANTITY_NOT_ABOVE_FILLED: 400,
  POST_ONLY_WOULD_CROSS: 400,
  INVALID_USERNAME: 400,
  INVALID_PASSWORD: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TIMESTAMP_OUT_OF_WINDOW: 401,
  FORBIDDEN: 403,
  ORDER_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  DUPLICATE_CLIENT_ORDER_ID: 409,
  TX_ID_CONFLICT: 409,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  FAUCET_USED: 429,
  SERVICE_UNAVAILABLE: 503,
  MARKET_UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
  /** The engine could not apply a command (it failed on every try) and moved past it: it changed nothing. */
  ENGINE_ERROR: 500,
  // Realtime-only codes (sent in an Error message, never as an HTTP status).
  SUBSCRIPTION_FAILED: 400,
  INVALID_MESSAGE: 400,
  SLOW_CONSUMER: 400,
  HEARTBEAT_TIMEOUT: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Engine-side reasons an order is rejected (carried by a `rejected` engine event). */
export const REJECT_CODES = ['DUPLICATE_ORDER_ID', 'POST_ONLY_WOULD_CROSS', 'FOK_CANNOT_FILL', 'ENGINE_ERROR'] as const;

/** Engine-side reasons an amend changes nothing (carried by an `amend_rejected` engine event). */
export const AMEND_REJECT_CODES = ['ORDER_NOT_FOUND', 'NOTHING_CHANGED', 'QUANTITY_NOT_ABOVE_FILLED', 'INVALID_QUANTITY', 'INVALID_PRICE', 'POST_ONLY_WOULD_CROSS', 'ENGINE_ERROR'] as const;

/** Engine-side reasons a cancel changes nothing (carried by a `cancel_rejected` engine event). */
export const CANCEL_REJECT_CODES = ['ORDER_NOT_FOUND', 'ENGINE_ERROR'] as const;

/**
 * The code of every refusal the engine gives a command it could not apply (it failed on each of
 * `ENGINE_POISON_TRIES` tries and was skipped, changing nothing), and the message that goes with it.
 */
export const ENGINE_ERROR = 'ENGINE_ERROR';
export const ENGINE_ERROR_MESSAGE = 'the engine could not process this command and skipped it: it changed nothing';

/** A business error with a code from {@link ERROR_STATUS}; `name` is set so logs say what it is. */
export class XtError extends Error {
  override readonly name = 'XtError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toBody(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

export function isXtError(e: unknown): e is XtError {
  return e instanceof XtError;
}
