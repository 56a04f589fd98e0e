import { pipelineEach, type RedisClient } from '@xtrader/platform';
import { Router } from 'express';
import { Heartbeat, symbolKeys } from '@xtrader/protocol';
import type { MarketHealth } from './market-health';

/**
 * `/healthz`: the process answers. `/readyz`: 200 while Redis answers, 503 when it does not —
 * whether this node can take orders at all, which is what a balancer needs. Each symbol's engine
 * is reported apart (its heartbeat, refreshed with a TTL while it holds the lease, and whether
 * the market still accepts orders): one stuck engine must not take every api node out of the
 * balancer and with it every other market.
 */
export function healthRouter(redis: RedisClient, prefix: string, symbols: string[], health: MarketHealth): Router {
  const router = Router({ caseSensitive: true });
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const engines: Record<string, { alive: boolean; accepting_orders?: boolean; engine_id?: string; position?: string; age_ms?: number }> = {};
    let redisUp = true;
    try {
      const replies = [...(await pipelineEach(redis, [''], (p) => p.ping())), ...(await pipelineEach(redis, symbols, (p, s) => p.get(symbolKeys(s, prefix).heartbeat)))];
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
    for (const s of symbols) engines[s].accepting_orders = health.accepting(s);
    const ready = redisUp;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', redis: redisUp ? 'up' : 'down', engines });
  });
  return router;
}
