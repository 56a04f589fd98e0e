import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { fundAccount, startStack, type Stack } from '@xtrader/infra';
import type { LoginResponse, PlaceOrderAccepted, PlaceOrderRequest, Trade, TradesResponse } from '@xtrader/protocol';

const REPO_ROOT = resolve(__dirname, '../../..');
const WEB_DIST = resolve(REPO_ROOT, 'web/dist');

/** Builds the page once when no build is there (`npm test` builds it before jest). */
export function ensureWebBuild(): void {
  if (existsSync(resolve(WEB_DIST, 'index.html'))) return;
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/** The e2e exchange's XT_ADMIN_TOKEN: accounts are funded through its admin routes. */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token';

/** Deposits GENEROUS_FUNDS of every asset into `accountId` through the admin routes. */
export function fund(stack: Stack, accountId: string): Promise<void> {
  return fundAccount(stack.apiUrls[0], accountId, { adminToken: E2E_ADMIN_TOKEN });
}

/** Funds the account of `username` (signed up through the page), found by logging in over REST. */
export async function fundUser(stack: Stack, username: string, password: string): Promise<void> {
  const login = await postJson(`${stack.apiUrls[0]}/api/v1/auth/login`, { username, password });
  if (login.status !== 200) throw new Error(`login of ${username} refused: HTTP ${login.status} ${login.body}`);
  await fund(stack, (JSON.parse(login.body) as LoginResponse).account_id);
}

/**
 * The real exchange for a browser test: redis-server, one engine per symbol, an api node and a
 * realtime node serving web/dist, the ledger, on free ports under a unique key prefix, with the
 * admin routes (E2E_ADMIN_TOKEN) and the faucet on. The stack gives every
 * process a config listing just `symbols`, so the page lists exactly the markets that trade.
 */
export async function startExchange(symbols: string[]): Promise<Stack> {
  ensureWebBuild();
  return startStack({
    symbols,
    prefix: `e2e-${randomBytes(4).toString('hex')}`,
    env: { XT_WEB_DIST: WEB_DIST, LOG_LEVEL: 'warn', XT_ADMIN_TOKEN: E2E_ADMIN_TOKEN, XT_FAUCET: 'on' },
    readyTimeoutMs: 120_000,
  });
}

const BOT_PASSWORD = 'e2e market maker';
const botTokens = new WeakMap<Stack, Map<string, Promise<string>>>();

/**
 * A session token of the stack's bot account for one side, created on first use. Buys and sells
 * come from two accounts, so the bots' crossing orders trade (one account's orders never trade
 * with each other: self-trade prevention).
 */
function botToken(stack: Stack, side: string): Promise<string> {
  let tokens = botTokens.get(stack);
  if (!tokens) botTokens.set(stack, (tokens = new Map()));
  let token = tokens.get(side);
  if (!token) {
    token = (async () => {
      const credentials = { username: `e2e_bot_${side.toLowerCase()}`, password: BOT_PASSWORD };
      const signup = await postJson(`${stack.apiUrls[0]}/api/v1/auth/signup`, credentials);
      if (signup.status !== 201) throw new Error(`bot signup refused: HTTP ${signup.status} ${signup.body}`);
      await fund(stack, (JSON.parse(signup.body) as { account_id: string }).account_id);
      const login = await postJson(`${stack.apiUrls[0]}/api/v1/auth/login`, credentials);
      if (login.status !== 200) throw new Error(`bot login refused: HTTP ${login.status} ${login.body}`);
      return (JSON.parse(login.body) as LoginResponse).token;
    })();
    tokens.set(side, token);
  }
  return token;
}

/** Places an order through the REST API as a bot would (not through the page), as the bot account of its side. */
export async function placeViaApi(stack: Stack, order: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
  const { status, body } = await postJson(`${stack.apiUrls[0]}/api/v1/order`, order, await botToken(stack, order.side));
  if (status !== 202) throw new Error(`order refused: HTTP ${status} ${body}`);
  return JSON.parse(body) as PlaceOrderAccepted;
}

/** The symbol's most recent trades from REST, newest first. */
export async function recentTrades(stack: Stack, symbol: string, limit: number): Promise<Trade[]> {
  const { status, body } = await send('GET', `${stack.apiUrls[0]}/api/v1/trades/${symbol}?limit=${limit}`);
  if (status !== 200) throw new Error(`trades refused: HTTP ${status} ${body}`);
  return (JSON.parse(body) as TradesResponse).trades;
}

function postJson(url: string, payload: unknown, token?: string): Promise<{ status: number; body: string }> {
  return send('POST', url, JSON.stringify(payload), token);
}

/** One request on its own connection (no keep-alive socket left open when the suite ends). */
function send(method: 'GET' | 'POST', url: string, data?: string, token?: string): Promise<{ status: number; body: string }> {
  const headers: Record<string, string | number> = data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise((settle, reject) => {
    const req = request(url, { method, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => settle({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
