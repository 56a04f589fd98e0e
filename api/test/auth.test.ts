/**
 * Accounts, sessions and API keys: signup, login, logout, signed requests and every way a request
 * can fail to authenticate. Two api nodes share one Redis: what one node revokes, the other refuses.
 */
import { waitFor } from '@xtrader/platform';
import { signature } from '@xtrader/protocol/node';
import type { RunningApi } from '../src/app';
import { anotherNode, bearerHttp, http, newAccount, signedHttp, startStack, type Account, type Stack } from './helpers';

let stack: Stack;
/** A second api node on the same Redis, with small login budgets. */
let second: RunningApi;
let alice: Account;

beforeAll(async () => {
  stack = await startStack({ engines: false });
  second = await anotherNode(stack, {
    auth: { loginPerUsername: { points: 3, windowSeconds: 60 }, loginPerAddress: { points: 5, windowSeconds: 60 } },
    // The test plays the proxy in front of the node: it names each client in X-Forwarded-For.
    trustProxy: 'loopback',
  });
  alice = await newAccount(stack.api.url);
});
afterAll(async () => {
  await second?.close();
  await stack?.stop();
});

const url = (path: string, node: RunningApi = stack.api) => `${node.url}${path}`;

describe('signup and login', () => {
  it('signs up, logs in with a session cookie and a bearer token, and GET /account answers the account', async () => {
    const signup = await http('POST', url('/api/v1/auth/signup'), { username: 'bob_1', password: 'password-of-bob' });
    expect(signup.status).toBe(201);
    expect(signup.body).toEqual({ account_id: expect.any(String), username: 'bob_1' });
    const login = await http('POST', url('/api/v1/auth/login'), { username: 'bob_1', password: 'password-of-bob' });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ account_id: signup.body.account_id, username: 'bob_1', token: expect.any(String), expires_at: expect.any(Number) });
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^xt_session=${login.body.token};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    const byBearer = await bearerHttp(login.body, 'GET', url('/api/v1/account'));
    expect(byBearer.status).toBe(200);
    expect(byBearer.body.account_id).toBe(signup.body.account_id);
    expect(byBearer.body.username).toBe('bob_1');
    expect(byBearer.body.balances).toContainEqual({ asset: 'KRW', available: 0, locked: 0 });
    const byCookie = await http('GET', url('/api/v1/account'), undefined, { cookie: `xt_session=${login.body.token}` });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.account_id).toBe(signup.body.account_id);
  });

  it('refuses a taken username with 409 USERNAME_TAKEN and keeps the first password', async () => {
    const again = await http('POST', url('/api/v1/auth/signup'), { username: alice.username, password: 'another-password' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('USERNAME_TAKEN');
    expect((await http('POST', url('/api/v1/auth/login'), { username: alice.username, password: 'another-password' })).status).toBe(401);
    expect((await http('POST', url('/api/v1/auth/login'), { username: alice.username, password: alice.password })).status).toBe(200);
  });

  it.each([
    ['too short', 'ab'],
    ['upper case', 'Alice'],
    ['a dash', 'al-ice'],
    ['too long', 'a'.repeat(33)],
  ])('refuses a username with %s: 400 INVALID_USERNAME with the rule, no account made', async (_what, username) => {
    const r = await http('POST', url('/api/v1/auth/signup'), { username, password: 'long enough password' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'INVALID_USERNAME', message: 'username must be 3-32 of a-z, 0-9 and _' });
    expect((await http('POST', url('/api/v1/auth/login'), { username, password: 'long enough password' })).status).toBe(401);
  });

  it.each([
    ['7 characters', 'short12', 'password must be at least 8 characters'],
    ['129 characters', 'p'.repeat(129), 'password must be at most 128 characters'],
  ])('refuses a password of %s: 400 INVALID_PASSWORD with the rule, no account made', async (_what, password, rule) => {
    const r = await http('POST', url('/api/v1/auth/signup'), { username: 'weak_pw_user', password });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: 'INVALID_PASSWORD', message: rule });
    expect((await http('POST', url('/api/v1/auth/signup'), { username: 'weak_pw_user', password: 'now a good one' })).status).toBe(201);
    await stack.redis.del(`${stack.prefix}:user:weak_pw_user`);
  });

  it('answers an unknown user and a wrong password with the same 401 INVALID_CREDENTIALS', async () => {
    const unknown = await http('POST', url('/api/v1/auth/login'), { username: 'nobody_here', password: 'whatever-it-is' });
    const wrong = await http('POST', url('/api/v1/auth/login'), { username: alice.username, password: 'not her password' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'INVALID_CREDENTIALS', message: 'unknown username or wrong password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('logs out: the token is refused by every api node', async () => {
    const login = await http('POST', url('/api/v1/auth/login'), { username: alice.username, password: alice.password });
    const token = login.body.token as string;
    expect((await bearerHttp({ token }, 'GET', url('/api/v1/account', second))).status).toBe(200);
    const out = await bearerHttp({ token }, 'POST', url('/api/v1/auth/logout'));
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const refusedBySecond = await waitFor('the second node to refuse the logged-out token', async () => {
      const r = await bearerHttp({ token }, 'GET', url('/api/v1/account', second));
      return r.status === 200 ? undefined : r;
    }, { timeoutMs: 1000 });
    expect(refusedBySecond.status).toBe(401);
    expect(refusedBySecond.body.error).toBe('UNAUTHENTICATED');
    expect((await bearerHttp({ token }, 'GET', url('/api/v1/account'))).status).toBe(401);
  });

  it('answers GET /time with the server time', async () => {
    const before = Date.now();
    const r = await http('GET', url('/api/v1/time'));
    expect(r.status).toBe(200);
    expect(r.body.server_time).toBeGreaterThanOrEqual(before);
    expect(r.body.server_time).toBeLessThanOrEqual(Date.now());
  });
});

describe('authentication failures', () => {
  it('answers a request without credentials with 401 UNAUTHENTICATED', async () => {
    const r = await http('GET', url('/api/v1/account'));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('UNAUTHENTICATED');
    expect((await http('GET', url('/api/v1/api-keys'))).status).toBe(401);
    expect((await http('POST', url('/api/v1/api-keys'), { label: 'x', scopes: ['read'] })).status).toBe(401);
  });

  it('answers an unknown or expired session token with 401 UNAUTHENTICATED', async () => {
    const r = await bearerHttp({ token: 'not-a-session' }, 'GET', url('/api/v1/account'));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('UNAUTHENTICATED');
  });

  it('accepts a correctly signed request and refuses a wrong signature, a changed target and an unknown key alike', async () => {
    expect((await signedHttp(alice, 'GET', url('/api/v1/account'))).status).toBe(200);
    const ts = Date.now();
    const target = '/api/v1/account';
    const good = signature(alice.apiSecret, ts, 'GET', target, '');
    const variants: Record<string, string>[] = [
      { 'xt-api-key': alice.apiKey, 'xt-timestamp': String(ts), 'xt-signature': good.replace(/^./, (c) => (c === '0' ? '1' : '0')) },
      { 'xt-api-key': alice.apiKey, 'xt-timestamp': String(ts), 'xt-signature': signature(alice.apiSecret, ts, 'GET', `${target}?x=1`, '') },
      { 'xt-api-key': alice.apiKey, 'xt-timestamp': String(ts), 'xt-signature': signature('wrong secret', ts, 'GET', target, '') },
      { 'xt-api-key': '0'.repeat(32), 'xt-timestamp': String(ts), 'xt-signature': good },
    ];
    const answers = await Promise.all(variants.map((h) => http('GET', url(target), undefined, h)));
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: 'UNAUTHENTICATED', message: 'invalid API key or signature' });
    }
  });

  it('signs the request target exactly as sent, query included', async () => {
    const r = await signedHttp(alice, 'GET', url('/api/v1/account?b=2&a=1'));
    expect(r.status).toBe(200);
  });

  it.each([
    ['6 s old', -6000],
    ['2 s ahead', 2000],
  ])('refuses a timestamp %s with 401 TIMESTAMP_OUT_OF_WINDOW', async (_what, offset) => {
    const ts = Date.now() + offset;
    const r = await http('GET', url('/api/v1/account'), undefined, {
      'xt-api-key': alice.apiKey,
      'xt-timestamp': String(ts),
      'xt-signature': signature(alice.apiSecret, ts, 'GET', '/api/v1/account', ''),
    });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('TIMESTAMP_OUT_OF_WINDOW');
  });

  it('refuses a captured signed request replayed after its receive window', async () => {
    const ts = Date.now();
    const window = 300;
    const captured = {
      'xt-api-key': alice.apiKey,
      'xt-timestamp': String(ts),
      'xt-recv-window': String(window),
      'xt-signature': signature(alice.apiSecret, ts, 'GET', '/api/v1/account', ''),
    };
    expect((await http('GET', url('/api/v1/account'), undefined, captured)).status).toBe(200);
    await waitFor('the receive window to pass', async () => (Date.now() > ts + window + 5 ? true : undefined));
    const replay = await http('GET', url('/api/v1/account'), undefined, captured);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('TIMESTAMP_OUT_OF_WINDOW');
  });

  it('refuses a key without the route\'s scope with 403 FORBIDDEN', async () => {
    const created = await bearerHttp(alice, 'POST', url('/api/v1/api-keys'), { label: 'trade only', scopes: ['trade'] });
    expect(created.status).toBe(201);
    const r = await signedHttp({ apiKey: created.body.api_key, apiSecret: created.body.api_secret }, 'GET', url('/api/v1/account'));
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('FORBIDDEN');
  });

  it('refuses a cookie-authenticated change from a foreign Origin (or none) with 403, and takes it from its own', async () => {
    const cookie = `xt_session=${alice.token}`;
    const body = { label: 'from the page', scopes: ['read'] };
    const foreign = await http('POST', url('/api/v1/api-keys'), body, { cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe('FORBIDDEN');
    expect((await http('POST', url('/api/v1/api-keys'), body, { cookie })).status).toBe(403);
    const before = await bearerHttp(alice, 'GET', url('/api/v1/api-keys'));
    expect(before.body.api_keys.map((k: { label: string }) => k.label)).not.toContain('from the page');
    const own = await http('POST', url('/api/v1/api-keys'), body, { cookie, origin: stack.api.url });
    expect(own.status).toBe(201);
  });
});

describe('API keys', () => {
  it('lists keys without secrets, and a revoked key is refused by another api node within 1 s', async () => {
    const created = await bearerHttp(alice, 'POST', url('/api/v1/api-keys'), { label: 'bot', scopes: ['read', 'trade'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ api_key: expect.stringMatching(/^[0-9a-f]{32}$/), api_secret: expect.any(String), label: 'bot', scopes: ['read', 'trade'], created_at: expect.any(Number) });
    const key = { apiKey: created.body.api_key, apiSecret: created.body.api_secret };
    const list = await bearerHttp(alice, 'GET', url('/api/v1/api-keys'));
    expect(list.status).toBe(200);
    expect(list.body.api_keys).toContainEqual({ api_key: key.apiKey, label: 'bot', scopes: ['read', 'trade'], created_at: created.body.created_at });
    expect(JSON.stringify(list.body)).not.toContain(key.apiSecret);
    expect((await signedHttp(key, 'GET', url('/api/v1/account', second))).status).toBe(200);

    const revoked = await bearerHttp(alice, 'DELETE', url(`/api/v1/api-keys/${key.apiKey}`));
    expect(revoked.status).toBe(204);
    const refused = await waitFor('the second node to refuse the revoked key', async () => {
      const r = await signedHttp(key, 'GET', url('/api/v1/account', second));
      return r.status === 200 ? undefined : r;
    }, { timeoutMs: 1000 });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('UNAUTHENTICATED');
    expect((await bearerHttp(alice, 'GET', url('/api/v1/api-keys'))).body.api_keys.map((k: { api_key: string }) => k.api_key)).not.toContain(key.apiKey);
  });

  it("cannot revoke another account's key (404), and a key cannot create keys (403)", async () => {
    const mallory = await newAccount(stack.api.url);
    const r = await bearerHttp(mallory, 'DELETE', url(`/api/v1/api-keys/${alice.apiKey}`));
    expect(r.status).toBe(404);
    expect((await signedHttp(alice, 'GET', url('/api/v1/account'))).status).toBe(200);
    const byKey = await signedHttp(alice, 'POST', url('/api/v1/api-keys'), { label: 'minted', scopes: ['trade'] });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error).toBe('FORBIDDEN');
  });

  it('refuses a bad key request with 400 and creates nothing', async () => {
    for (const body of [{ label: 'x', scopes: ['admin'] }, { label: '', scopes: ['read'] }, { label: 'x', scopes: [] }, { scopes: ['read'] }]) {
      const r = await bearerHttp(alice, 'POST', url('/api/v1/api-keys'), body);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('INVALID_REQUEST');
    }
  });
});

describe('login limits (shared by every api node)', () => {
  it('limits login attempts per username, whatever the address, even with the right password', async () => {
    const carol = { username: 'carol_limits', password: 'password-of-carol' };
    expect((await http('POST', url('/api/v1/auth/signup'), carol)).status).toBe(201);
    const from = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}` });
    for (let i = 0; i < 3; i++) expect((await http('POST', url('/api/v1/auth/login', second), { ...carol, password: 'wrong' }, from(i))).status).toBe(401);
    const limited = await http('POST', url('/api/v1/auth/login', second), carol, from(9));
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits login attempts per client address, whatever the username', async () => {
    const from = { 'x-forwarded-for': '203.0.113.77' };
    for (let i = 0; i < 5; i++) expect((await http('POST', url('/api/v1/auth/login', second), { username: `someone_${i}`, password: 'whatever-it-is' }, from)).status).toBe(401);
    const limited = await http('POST', url('/api/v1/auth/login', second), { username: 'someone_else', password: 'whatever-it-is' }, from);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('RATE_LIMITED');
  });
});
