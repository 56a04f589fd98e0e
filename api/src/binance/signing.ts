import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_RECV_WINDOW_MS, MAX_CLOCK_AHEAD_MS, MAX_RECV_WINDOW_MS, type ApiKeyScope } from '@xtrader/protocol';
import type { CredentialReader } from '@xtrader/platform';
import type { Principal } from '../auth/account-store';
import { BinanceError } from './errors';
import type { BinanceParams } from './params';

/** Binance's API-key header; its value is one of our API keys. */
export const BINANCE_API_KEY_HEADER = 'x-mbx-apikey';
/** Our API keys: 32 lowercase hex digits. */
const API_KEY_FORMAT = /^[0-9a-f]{32}$/;
const SIGNATURE_FORMAT = /^[0-9a-fA-F]{64}$/;

/** `text` (a query string or form body) without its `signature=` parameter: what the signature covers. */
export function withoutSignature(text: string): string {
  if (!text.includes('signature=')) return text;
  return text
    .split('&')
    .filter((p) => !p.startsWith('signature='))
    .join('&');
}

/** The lowercase hex HMAC-SHA256 Binance signs with: over the query string followed by the body. */
export function binanceSignature(secret: string, query: string, body: string): string {
  return createHmac('sha256', secret).update(withoutSignature(query) + withoutSignature(body)).digest('hex');
}

export interface SignedInput {
  headers: IncomingHttpHeaders;
  /** The query string exactly as sent (without the `?`). */
  query: string;
  /** The raw body ('' when none). */
  body: string;
  params: BinanceParams;
}

/**
 * Binance's SIGNED security: `X-MBX-APIKEY` names one of our API keys (the same keys and scopes as
 * `/api/v1`, looked up through the shared credential reader), `timestamp` within `recvWindow` of
 * the server's clock, `signature` the HMAC of query string + body. Codes as Binance's: -2014 bad
 * key format, -1102 missing timestamp/signature, -1131 bad recvWindow, -1021 stale timestamp,
 * -2015 unknown key or missing permission, -1022 wrong signature.
 */
export async function verifyBinanceSigned(reader: CredentialReader, input: SignedInput, scope: ApiKeyScope, now = Date.now()): Promise<Principal> {
  const raw = input.headers[BINANCE_API_KEY_HEADER];
  const apiKey = Array.isArray(raw) ? raw[0] : raw;
  if (apiKey === undefined || !API_KEY_FORMAT.test(apiKey)) throw new BinanceError('BAD_API_KEY_FMT', 'API-key format invalid.');
  const { params } = input;
  const timestamp = params.required('timestamp');
  if (!/^\d{1,16}$/.test(timestamp)) throw new BinanceError('MANDATORY_PARAM_EMPTY_OR_MALFORMED', "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  const windowText = params.optional('recvWindow');
  let window = DEFAULT_RECV_WINDOW_MS;
  if (windowText !== undefined) {
    window = /^\d{1,6}$/.test(windowText) ? Number(windowText) : NaN;
    if (!(window >= 1 && window <= MAX_RECV_WINDOW_MS)) throw new BinanceError('BAD_RECV_WINDOW', `recvWindow must be from 1 to ${MAX_RECV_WINDOW_MS}.`);
  }
  const ts = Number(timestamp);
  if (ts > now + MAX_CLOCK_AHEAD_MS || now - ts > window) {
    throw new BinanceError('INVALID_TIMESTAMP', `Timestamp for this request is outside of the recvWindow (${window} ms before, ${MAX_CLOCK_AHEAD_MS} ms after the server time ${now}; see GET /api/v3/time).`);
  }
  const signature = params.required('signature');
  if (!SIGNATURE_FORMAT.test(signature)) throw new BinanceError('INVALID_SIGNATURE', 'Signature for this request is not valid.');
  const record = await reader.apiKey(apiKey);
  if (!record) throw new BinanceError('REJECTED_MBX_KEY', 'Invalid API-key, IP, or permissions for action.');
  const expected = Buffer.from(binanceSignature(record.secret, input.query, input.body), 'utf8');
  const actual = Buffer.from(signature.toLowerCase(), 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new BinanceError('INVALID_SIGNATURE', 'Signature for this request is not valid.');
  if (!record.scopes.includes(scope)) throw new BinanceError('REJECTED_MBX_KEY', `Invalid API-key, IP, or permissions for action: this key lacks the ${scope} scope.`);
  return { accountId: record.account_id, username: record.username, via: 'api-key', scopes: record.scopes };
}
