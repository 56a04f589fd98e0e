import { Router } from 'express';
import type Redis from 'ioredis';
import { Heartbeat, symbolKeys } from '@xtrader/protocol';

/**
 * `/healthz`: the process answers. `/readyz`: Redis answers and every symbol's engine heartbeat
 * is fresh (the engine refreshes it with a TTL while it holds the lease); 503 with the detail
 * per symbol otherwise.
 */
export function healthRouter(redis: Redis, prefix: string, symbols: string[]): Router {
  const router = Router({ caseSensitive: true });
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const engines: Record<string, { alive: boolean; engine_id?: string; position?: string; age_ms?: number }> = {};
    let redisUp = true;
    try {
      const p = redis.pipeline().ping();
      for (const s of symbols) p.get(symbolKeys(s, prefix).heartbeat);
      const replies = (await p.exec()) ?? [];
      if (replies.some(([err]) => err)) throw new Error('redis error');
      symbols.forEach((s, i) => {
        const hb = replies[i + 1][1] as string | null;
        if (!hb) {
          engines[s] = { alive: false };
          return;
        }
        const parsed = Heartbeat.safeParse(JSON.parse(hb));
        if (!parsed.success) {
          engines[s] = { alive: true };
          return;
        }
        const { engine_id, position, ts } = parsed.data;
        engines[s] = { alive: true, engine_id, ...(position ? { position } : {}), age_ms: Math.max(0, Date.now() - ts) };
      });
    } catch {
      redisUp = false;
      for (const s of symbols) engines[s] = { alive: false };
    }
    const ready = redisUp && Object.values(engines).every((e) => e.alive);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', redis: redisUp ? 'up' : 'down', engines });
  });
  return router;
}
