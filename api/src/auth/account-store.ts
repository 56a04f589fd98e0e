import { randomBytes, randomUUID } from 'node:crypto';
import { accountKeys, XtError, type AccountKeys, type ApiKeyInfo, type ApiKeyScope as Scope, type CreatedApiKey } from '@xtrader/protocol';
import { CredentialReader, DEFAULT_AUTH_CACHE_MS, durable, sessionTokenHash, type ApiKeyRecord, type SessionRecord, type RedisClient } from '@xtrader/platform';
import { decoyHash, hashPassword, verifyPassword } from './passwords';

export { DEFAULT_AUTH_CACHE_MS, type ApiKeyRecord } from '@xtrader/platform';

/** Who a request acts for, and what it may do. */
export interface Principal {
  accountId: string;
  username: string;
  /** How it authenticated: a cookie-authenticated change must also pass the Origin check. */
  via: 'cookie' | 'bearer' | 'api-key';
  scopes: readonly Scope[];
}

interface UserRecord {
  account_id: string;
  password: string;
  created_at: number;
}

export interface AccountStoreOptions {
  /** How long a session lasts (default 7 days). */
  sessionTtlSeconds?: number;
  /**
   * How long a looked-up session or API key may be reused from memory before Redis is asked again
   * (default 500 ms; 0 = always ask): a logout or revoked key is refused by every node within it.
   */
  cacheMs?: number;
}

export const DEFAULT_SESSION_TTL_S = 7 * 86_400;
/** Accounts, sessions and API keys in Redis; any api node reads what any other wrote. */
export class AccountStore {
  readonly keys: AccountKeys;
  readonly sessionTtlSeconds: number;
  /** The read side, shared with every node that accepts credentials. */
  readonly credentials: CredentialReader;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    opts: AccountStoreOptions = {},
  ) {
    this.keys = accountKeys(prefix);
    this.sessionTtlSeconds = opts.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_S;
    this.credentials = new CredentialReader(redis, prefix, opts.cacheMs ?? DEFAULT_AUTH_CACHE_MS);
  }

  /** Creates an account; USERNAME_TAKEN when the name is claimed. */
  async signup(username: string, password: string, now = Date.now()): Promise<{ account_id: string; username: string }> {
    const accountId = randomUUID();
    const record: UserRecord = { account_id: accountId, password: await hashPassword(password), created_at: now };
    // The account record first: the username record (what login and signup read) makes it reachable.
    await durable(() => this.redis.set(this.keys.account(accountId), JSON.stringify({ account_id: accountId, username, created_at: now })));
    const claimed = await durable(() => this.redis.set(this.keys.user(username), JSON.stringify(record), 'NX'));
    if (claimed !== 'OK') {
      await durable(() => this.redis.del(this.keys.account(accountId)));
      throw new XtError('USERNAME_TAKEN', `username ${username} is taken`);
    }
    return { account_id: accountId, username };
  }

  /** The account id if the password is right; undefined for a wrong password or unknown user alike. */
  async checkPassword(username: string, password: string): Promise<string | undefined> {
    const json = await durable(() => this.redis.get(this.keys.user(username)));
    const user = json ? (JSON.parse(json) as UserRecord) : undefined;
    const ok = await verifyPassword(password, user?.password ?? (await decoyHash()));
    return ok && user ? user.account_id : undefined;
  }

  async createSession(accountId: string, username: string, now = Date.now()): Promise<{ token: string; expires_at: number }> {
    const token = randomBytes(32).toString('base64url');
    const expires_at = now + this.sessionTtlSeconds * 1000;
    const record: SessionRecord = { account_id: accountId, username, expires_at };
    await durable(() => this.redis.set(this.keys.session(sessionTokenHash(token)), JSON.stringify(record), 'EX', this.sessionTtlSeconds));
    return { token, expires_at };
  }

  async session(token: string): Promise<SessionRecord | undefined> {
    return this.credentials.session(token);
  }

  async deleteSession(token: string): Promise<void> {
    const hash = sessionTokenHash(token);
    await durable(() => this.redis.del(this.keys.session(hash)));
    this.credentials.forgetSession(hash);
  }

  async createApiKey(accountId: string, username: string, label: string, scopes: Scope[], now = Date.now()): Promise<CreatedApiKey> {
    const apiKey = randomBytes(16).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const uniqueScopes = [...new Set(scopes)].sort();
    const record: ApiKeyRecord = { account_id: accountId, username, secret, label, scopes: uniqueScopes, created_at: now };
    // The index first: a key that is listed but missing is skipped; one that works but is not listed could not be revoked.
    await durable(() => this.redis.sadd(this.keys.apiKeysOf(accountId), apiKey));
    await durable(() => this.redis.set(this.keys.apiKey(apiKey), JSON.stringify(record)));
    return { api_key: apiKey, api_secret: secret, label, scopes: uniqueScopes, created_at: now };
  }

  async apiKey(apiKey: string): Promise<ApiKeyRecord | undefined> {
    return this.credentials.apiKey(apiKey);
  }

  async listApiKeys(accountId: string): Promise<ApiKeyInfo[]> {
    const ids = await durable(() => this.redis.smembers(this.keys.apiKeysOf(accountId)));
    if (ids.length === 0) return [];
    // One GET per key, not an MGET: each key is its own cluster slot.
    const jsons = await durable(() => Promise.all(ids.map((id) => this.redis.get(this.keys.apiKey(id)))));
    const out: ApiKeyInfo[] = [];
    jsons.forEach((json, i) => {
      if (!json) return;
      const r = JSON.parse(json) as ApiKeyRecord;
      if (r.account_id === accountId) out.push({ api_key: ids[i], label: r.label, scopes: r.scopes, created_at: r.created_at });
    });
    return out.sort((a, b) => b.created_at - a.created_at || a.api_key.localeCompare(b.api_key));
  }

  /** Revokes one of the account's keys; false when the account has no such key. */
  async revokeApiKey(accountId: string, apiKey: string): Promise<boolean> {
    const record = await durable(() => this.redis.get(this.keys.apiKey(apiKey)));
    if (!record || (JSON.parse(record) as ApiKeyRecord).account_id !== accountId) return false;
    await durable(() => this.redis.del(this.keys.apiKey(apiKey)));
    await durable(() => this.redis.srem(this.keys.apiKeysOf(accountId), apiKey));
    this.credentials.forgetApiKey(apiKey);
    return true;
  }

  async account(accountId: string): Promise<{ account_id: string; username: string; created_at: number } | undefined> {
    const json = await durable(() => this.redis.get(this.keys.account(accountId)));
    return json ? JSON.parse(json) : undefined;
  }
}
