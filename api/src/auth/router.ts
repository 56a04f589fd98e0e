import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import proxyAddr from 'proxy-addr';
import {
  CreateApiKeyRequest,
  LoginRequest,
  Password,
  SESSION_COOKIE,
  Username,
  XtError,
  type ApiKeyScope as Scope,
  type LoginResponse,
} from '@xtrader/protocol';
import type { AccountStore, Principal } from './account-store';
import { authInput, bearerToken, sessionCookie, type Authenticator } from './authenticate';
import type { RedisLimit } from './redis-limit';

export interface AuthLimits {
  /** Signups per client address. */
  signupPerAddress: RedisLimit;
  /** Login attempts per client address and per username. */
  loginPerAddress: RedisLimit;
  loginPerUsername: RedisLimit;
}

export interface AuthRouterDeps {
  accounts: AccountStore;
  auth: Authenticator;
  limits: AuthLimits;
  /** Which peers are proxies whose `X-Forwarded-For` names the client (proxy-addr's trust function). */
  trust: (addr: string, i: number) => boolean;
}

/** The account a request is authenticated as (set by {@link requireAuth}). */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** Refuses the request unless it is authenticated with `scope`; the principal goes to `res.locals`. */
export function requireAuth(auth: Authenticator, scope: Scope): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    auth.authenticate(authInput(req), scope).then((p) => {
      res.locals.principal = p;
      next();
    }, next);
  };
}

/** Only a session (cookie or bearer token) may manage API keys or log out: a key cannot mint keys. */
function requireSession(auth: Authenticator, scope: Scope): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    auth.authenticate(authInput(req), scope).then((p) => {
      if (p.via === 'api-key') return next(new XtError('FORBIDDEN', 'API keys are managed from a session (log in), not with an API key'));
      res.locals.principal = p;
      next();
    }, next);
  };
}

function credentials(body: unknown): LoginRequest {
  const parsed = LoginRequest.safeParse(body);
  if (!parsed.success) throw new XtError('INVALID_REQUEST', 'the body must be {"username": "...", "password": "..."} and nothing else');
  return parsed.data;
}

function sessionCookieHeader(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;
}

/**
 * Accounts, sessions and API keys, mounted at `/api/v1`:
 * - `POST /auth/signup {username, password}` -> 201 `{account_id, username}`; 400 INVALID_USERNAME /
 *   INVALID_PASSWORD with the rule; 409 USERNAME_TAKEN;
 * - `POST /auth/login` -> 200 `{account_id, username, token, expires_at}` + the session cookie;
 *   401 INVALID_CREDENTIALS (unknown user and wrong password alike);
 * - `POST /auth/logout` -> 204 (the session is gone on every node);
 * - `POST|GET /api-keys`, `DELETE /api-keys/:key` (session only);
 * - `GET /time` -> `{server_time}`.
 */
export function authRouter({ accounts, auth, limits, trust }: AuthRouterDeps): Router {
  const router = Router();
  const address = (req: Request) => proxyAddr(req, trust);

  router.get('/time', (_req, res) => {
    res.status(200).json({ server_time: Date.now() });
  });

  router.post('/auth/signup', async (req, res) => {
    const { username, password } = credentials(req.body);
    const name = Username.safeParse(username);
    if (!name.success) throw new XtError('INVALID_USERNAME', name.error.issues[0]!.message);
    const pw = Password.safeParse(password);
    if (!pw.success) throw new XtError('INVALID_PASSWORD', pw.error.issues[0]!.message);
    const client = address(req);
    await limits.signupPerAddress.consume(client);
    res.status(201).json(await accounts.signup(username, password));
  });

  router.post('/auth/login', async (req, res) => {
    const { username, password } = credentials(req.body);
    const client = address(req);
    await limits.loginPerAddress.consume(client);
    await limits.loginPerUsername.consume(username, `anyone for ${username}`);
    const accountId = await accounts.checkPassword(username, password);
    if (!accountId) throw new XtError('INVALID_CREDENTIALS', 'unknown username or wrong password');
    const session = await accounts.createSession(accountId, username);
    const body: LoginResponse = { account_id: accountId, username, token: session.token, expires_at: session.expires_at };
    res.setHeader('Set-Cookie', sessionCookieHeader(session.token, accounts.sessionTtlSeconds));
    res.status(200).json(body);
  });

  router.post('/auth/logout', requireSession(auth, 'read'), async (req, res) => {
    const p = principalOf(res);
    const token = p.via === 'bearer' ? bearerToken(req.headers) : sessionCookie(req.headers);
    if (token) await accounts.deleteSession(token);
    res.setHeader('Set-Cookie', sessionCookieHeader('', 0));
    res.status(204).end();
  });

  router.post('/api-keys', requireSession(auth, 'trade'), async (req, res) => {
    const parsed = CreateApiKeyRequest.safeParse(req.body);
    if (!parsed.success) throw new XtError('INVALID_REQUEST', 'the body must be {"label": "1-64 characters", "scopes": ["read" and/or "trade"]}');
    const p = principalOf(res);
    res.status(201).json(await accounts.createApiKey(p.accountId, p.username, parsed.data.label, parsed.data.scopes));
  });

  router.get('/api-keys', requireSession(auth, 'read'), async (_req, res) => {
    res.status(200).json({ api_keys: await accounts.listApiKeys(principalOf(res).accountId) });
  });

  router.delete('/api-keys/:key', requireSession(auth, 'trade'), async (req, res) => {
    const key = String(req.params.key);
    if (!/^[0-9a-f]{32}$/.test(key) || !(await accounts.revokeApiKey(principalOf(res).accountId, key))) {
      throw new XtError('NOT_FOUND', `no API key ${key} on this account`);
    }
    res.status(204).end();
  });

  return router;
}
