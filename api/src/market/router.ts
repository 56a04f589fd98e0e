// Placeholder until the market-data routes land: same signature, no routes yet.
import { Router } from 'express';
import type Redis from 'ioredis';
import type { MarketSpec } from '@xtrader/protocol';

export interface MarketRouterDeps {
  redis: Redis;
  prefix: string;
  markets: Map<string, MarketSpec>;
}

/** Mounted at `/api/v1` by the api app: orderbook, klines, trades, statistics, symbols. */
export function marketRouter(_deps: MarketRouterDeps): Router {
  return Router();
}
