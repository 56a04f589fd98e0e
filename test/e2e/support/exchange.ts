import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { startStack, type Stack } from '@xtrader/infra';
import type { PlaceOrderAccepted, PlaceOrderRequest, Trade, TradesResponse } from '@xtrader/protocol';

const REPO_ROOT = resolve(__dirname, '../../..');
const WEB_DIST = resolve(REPO_ROOT, 'web/dist');

/** Builds the page once when no build is there (`npm test` builds it before jest). */
export function ensureWebBuild(): void {
  if (existsSync(resolve(WEB_DIST, 'index.html'))) return;
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/**
 * The real exchange for a browser test: redis-server, one engine per symbol, an api node and a
 * realtime node serving web/dist, on free ports under a unique key prefix. The stack gives every
 * process a config listing just `symbols`, so the page lists exactly the markets that trade.
 */
export async function startExchange(symbols: string[]): Promise<Stack> {
  ensureWebBuild();
  return startStack({
    symbols,
    prefix: `e2e-${randomBytes(4).toString('hex')}`,
    env: { XT_WEB_DIST: WEB_DIST, LOG_LEVEL: 'warn' },
    readyTimeoutMs: 120_000,
  });
}

/** Places an order through the REST API as a bot would (not through the page). */
export async function placeViaApi(stack: Stack, order: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
  const { status, body } = await postJson(`${stack.apiUrls[0]}/api/v1/order`, order);
  if (status !== 202) throw new Error(`order refused: HTTP ${status} ${body}`);
  return JSON.parse(body) as PlaceOrderAccepted;
}

/** The symbol's most recent trades from REST, newest first. */
export async function recentTrades(stack: Stack, symbol: string, limit: number): Promise<Trade[]> {
  const { status, body } = await send('GET', `${stack.apiUrls[0]}/api/v1/trades/${symbol}?limit=${limit}`);
  if (status !== 200) throw new Error(`trades refused: HTTP ${status} ${body}`);
  return (JSON.parse(body) as TradesResponse).trades;
}

function postJson(url: string, payload: unknown): Promise<{ status: number; body: string }> {
  return send('POST', url, JSON.stringify(payload));
}

/** One request on its own connection (no keep-alive socket left open when the suite ends). */
function send(method: 'GET' | 'POST', url: string, data?: string): Promise<{ status: number; body: string }> {
  const headers = data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
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
