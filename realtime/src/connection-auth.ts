import type { IncomingHttpHeaders } from 'node:http';
import { WS_AUTH_METHOD, WS_AUTH_TARGET, XtError, type Auth } from '@xtrader/protocol';
import { sessionCookie, verifySigned, type CredentialReader } from '@xtrader/platform';

/** Decides which account a connection acts for; throws an XtError when it cannot. */
export interface ConnectionAuth {
  verify(auth: Auth): Promise<string>;
  /** Whether credentials that once verified still hold: the session lives, the key exists. */
  isLive(auth: Auth): Promise<boolean>;
}

/**
 * Connection credentials checked exactly as the api checks a request's (the same reader of
 * sessions and keys, the same signature and receive-window rule): a session token, or an API key
 * signing timestamp + "GET" + "/ws" + ''. Private channels are reads: a key needs the `read` scope.
 */
export class ConnectionAuthenticator implements ConnectionAuth {
  constructor(private readonly credentials: CredentialReader) {}

  async verify(auth: Auth): Promise<string> {
    if ('token' in auth) {
      const session = await this.credentials.session(auth.token);
      if (!session) throw new XtError('UNAUTHENTICATED', 'the session is unknown, expired or logged out; log in again');
      return session.account_id;
    }
    const record = await verifySigned(this.credentials, {
      apiKey: auth.api_key,
      timestamp: String(auth.timestamp),
      signature: auth.signature,
      recvWindow: auth.recv_window === undefined ? undefined : String(auth.recv_window),
      method: WS_AUTH_METHOD,
      requestTarget: WS_AUTH_TARGET,
      body: '',
    });
    if (!record.scopes.includes('read')) throw new XtError('UNAUTHENTICATED', 'this API key lacks the read scope that private channels need');
    return record.account_id;
  }

  async isLive(auth: Auth): Promise<boolean> {
    if ('token' in auth) return (await this.credentials.session(auth.token)) !== undefined;
    return (await this.credentials.apiKey(auth.api_key)) !== undefined;
  }
}

/**
 * The session token a socket.io handshake carries: `auth: {token}` first, else the session
 * cookie (the page's own, sent with the WebSocket upgrade).
 */
export function handshakeToken(auth: unknown, headers: IncomingHttpHeaders): string | undefined {
  const token = (auth as { token?: unknown } | null)?.token;
  if (typeof token === 'string' && token.length > 0) return token;
  return sessionCookie(headers);
}
