import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createRedis } from '@xtrader/platform';
import { REPO_ROOT } from './paths';

/** Where the built trading page lives (XT_WEB_DIST, as the realtime node reads it). */
export function webDist(): string {
  return process.env.XT_WEB_DIST ?? join(REPO_ROOT, 'web/dist');
}

/** Builds the trading page with `npm run build:web` when it has not been built yet. */
export function ensureWebBuild(log: (msg: string) => void): void {
  if (existsSync(join(webDist(), 'index.html'))) return;
  log('building the trading page (npm run build:web)...');
  execFileSync('npm', ['run', 'build:web'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** True when a Redis answers PING at `url` within two seconds. */
export async function redisReachable(url: string): Promise<boolean> {
  const client = createRedis(url, 'launcher-probe', { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** True when `redis-server` is installed. */
export function hasRedisServer(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

/** Exactly how to get Redis, for the message when there is none. */
export const REDIS_HELP = [
  'xTrader needs Redis 7 and none is available:',
  '  - Debian/Ubuntu: sudo apt-get install -y redis-server',
  '  - macOS:         brew install redis',
  '  - or point at one you have: REDIS_URL=redis://host:6379 npm start',
].join('\n');

/** Resolves when nothing listens on 0.0.0.0:`port`; rejects with a clear message otherwise. */
export function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new Error(`port ${port} (${what}) is already in use: stop what uses it or choose another port (see docs/operations.md)`)));
    srv.listen(port, () => srv.close(() => resolve()));
  });
}
