import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
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
 * A symbols file listing only `symbols`, taken from the project's config: every process of the
 * test stack then lists exactly the markets that have an engine (and fewer processes run).
 */
function symbolsFileFor(symbols: string[]): string {
  const config = JSON.parse(readFileSync(resolve(REPO_ROOT, 'config/symbols.json'), 'utf8')) as { symbols: Array<{ symbol: string }> };
  const file = join(mkdtempSync(join(tmpdir(), 'xt-e2e-')), 'symbols.json');
  writeFileSync(file, JSON.stringify({ symbols: config.symbols.filter((s) => symbols.includes(s.symbol)) }));
  return file;
}

/**
 * The real exchange for a browser test: redis-server, one engine per symbol, an api node and a
 * realtime node serving web/dist, on free ports under a unique key prefix.
 */
export async function startExchange(symbols: string[]): Promise<Stack> {
  ensureWebBuild();
  return startStack({
    symbols,
    prefix: `e2e-${randomBytes(4).toString('hex')}`,
    env: { XT_WEB_DIST: WEB_DIST, XT_SYMBOLS_FILE: symbolsFileFor(symbols), LOG_LEVEL: 'warn' },
    readyTimeoutMs: 120_000,
  });
}

/** Places an order through the REST API as a bot would (not through the page). */
export async function placeViaApi(stack: Stack, order: PlaceOrderRequest): Promise<PlaceOrderAccepted> {
  const res = await fetch(`${stack.apiUrls[0]}/api/v1/order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  const body = (await res.json()) as PlaceOrderAccepted;
  if (res.status !== 202) throw new Error(`order refused: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}
