import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';

export interface HttpAppOptions {
  webDist: string;
  /** `apiUrl` for the page; undefined: `http(s)://<host the page was loaded from>:<publicApiPort>`. */
  publicApiUrl?: string;
  publicApiPort: number;
  publicSocketUrl?: string;
  registry: Registry;
  /** Readiness: Redis reachable and the feed being read. */
  health(): { ok: boolean; [k: string]: unknown };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>xTrader</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>xTrader realtime node</h1>
<p>The trading page is not built yet. Run <code>npm run build:web</code> and reload.</p>
<p>The realtime protocol is live: socket.io at <code>/socket.io</code>, plain WebSocket at <code>/ws</code>.</p>`;

/**
 * The HTTP side of a realtime node: the built web page (with SPA fallback), the page's runtime
 * config, health and metrics. socket.io and /ws live on the same server (upgrades).
 */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    const h = opts.health();
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'ok' : 'unavailable', ...h });
  });

  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', opts.registry.contentType).send(await opts.registry.metrics());
  });

  app.get('/config.json', (req, res) => {
    const apiUrl = opts.publicApiUrl ?? `${req.protocol}://${hostForUrl(req.hostname)}:${opts.publicApiPort}`;
    res.set('Cache-Control', 'no-store').json({ apiUrl, ...(opts.publicSocketUrl !== undefined ? { socketUrl: opts.publicSocketUrl } : {}) });
  });

  app.get('/ws', (_req, res) => {
    res.status(426).set('Upgrade', 'websocket').json({ error: 'UPGRADE_REQUIRED', message: 'connect with a WebSocket client' });
  });

  app.use(express.static(opts.webDist, { index: 'index.html', fallthrough: true }));

  // Client-side routes of the single-page app get its index.html.
  app.get('/*splat', (_req, res) => {
    const index = join(opts.webDist, 'index.html');
    if (existsSync(index)) res.sendFile(index);
    else res.status(503).type('html').send(NOT_BUILT);
  });
  app.get('/', (_req, res) => {
    res.status(503).type('html').send(NOT_BUILT);
  });
  return app;
}

function hostForUrl(hostname: string): string {
  return hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
}
