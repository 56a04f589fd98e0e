import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander } from 'ioredis';
import type { Candle, Interval, MarketStatistics, OrderBookSnapshot, SymbolKeys, Trade } from '@xtrader/protocol';
import { tradeJson } from './feed-json';

/** How many recent trades the trade list keeps. */
export const MAX_TRADES = 1000;

const PUSH_TRADES = readFileSync(join(__dirname, 'push-trades.lua'), 'utf8');
const PUT_CANDLES = readFileSync(join(__dirname, 'put-candles.lua'), 'utf8');

/**
 * The Redis writes of market data, queued into the engine's commit transaction (never executed
 * here). Formats are what api readers parse; see docs/protocol.md.
 */
export const marketDataStore = {
  /**
   * Prepends trades (given oldest first, at most MAX_TRADES) to `keys.trades`, skipping any
   * already there. They travel packed in two arguments (see push-trades.lua).
   */
  pushTrades(tx: ChainableCommander, keys: SymbolKeys, trades: Trade[]): void {
    if (trades.length === 0) return;
    const seqs: number[] = [];
    const json: string[] = [];
    for (const t of trades) {
      seqs.push(t.sequence);
      json.push(tradeJson(t));
    }
    tx.eval(PUSH_TRADES, 1, keys.trades, MAX_TRADES, seqs.join(','), json.join('\n'));
  },

  /**
   * Replaces each candle (by its open_time) in its interval's sorted set and trims each set to
   * `max` candles: one script call for the whole batch instead of three commands per candle.
   */
  putCandles(tx: ChainableCommander, keys: SymbolKeys, series: { interval: Interval; candles: Candle[] }[], max: number): void {
    if (series.length === 0) return;
    const args: (string | number)[] = [max];
    for (const s of series) {
      args.push(s.candles.length);
      for (const c of s.candles) args.push(c.open_time, JSON.stringify(c));
    }
    tx.eval(PUT_CANDLES, series.length, ...series.map((s) => keys.candles(s.interval)), ...args);
  },

  putStats(tx: ChainableCommander, keys: SymbolKeys, stats: Omit<MarketStatistics, 'prev_sequence'>): void {
    tx.set(keys.stats, JSON.stringify(stats));
  },

  putDepth(tx: ChainableCommander, keys: SymbolKeys, depth: OrderBookSnapshot): void {
    tx.set(keys.depth, JSON.stringify(depth));
  },
};
