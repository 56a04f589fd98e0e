import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { startStack, type Stack } from '@xtrader/infra';
import type { PlaceOrderAccepted, PlaceOrderRequest } from '@xtrader/protocol';

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

/** One POST on its own connection (no keep-alive socket left open when the suite ends). */
function postJson(url: string, payload: unknown): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(payload);
  return new Promise((resolvePost, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
