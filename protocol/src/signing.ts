import { createHmac } from 'node:crypto';
import { SIGNATURE_HEADERS, signingPayload } from './account';

/** The lowercase hex HMAC-SHA256 of {@link signingPayload} keyed with `secret`. */
export function signature(secret: string, timestamp: string | number, method: string, requestTarget: string, body: string): string {
  return createHmac('sha256', secret).update(signingPayload(timestamp, method, requestTarget, body)).digest('hex');
}

/**
 * The headers that sign one request with an API key (`body` exactly as it will be sent);
 * `recvWindowMs` (XT-RECV-WINDOW) when the request may wait longer than the default window.
 */
export function signedHeaders(apiKey: string, secret: string, method: string, requestTarget: string, body = '', now = Date.now(), recvWindowMs?: number): Record<string, string> {
  const headers: Record<string, string> = {
    [SIGNATURE_HEADERS.apiKey]: apiKey,
    [SIGNATURE_HEADERS.timestamp]: String(now),
    [SIGNATURE_HEADERS.signature]: signature(secret, now, method, requestTarget, body),
  };
  if (recvWindowMs !== undefined) headers[SIGNATURE_HEADERS.recvWindow] = String(recvWindowMs);
  return headers;
}
