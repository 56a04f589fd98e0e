// Placeholder until the market-data module lands (see README.md here): same API, does nothing.
import type { ChainableCommander } from 'ioredis';
import type { EngineEvent, MarketMessage, MarketSpec, SymbolKeys } from '@xtrader/protocol';

export type MarketDataState = Record<string, unknown>;

export class MarketData {
  constructor(
    readonly spec: MarketSpec,
    _state?: MarketDataState,
  ) {}
  advance(_ts: number): void {}
  apply(_event: EngineEvent): void {}
  flush(_tx: ChainableCommander, _keys: SymbolKeys): MarketMessage[] {
    return [];
  }
  snapshot(): MarketDataState {
    return {};
  }
}
