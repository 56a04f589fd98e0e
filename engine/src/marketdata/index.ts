/** Market data of one symbol, maintained by its engine (see README.md here). */
export { MarketData, DEPTH_LEVELS, MAX_TRADES, type MarketDataChanges, type MarketDataState } from './market-data';
export { MAX_CANDLES } from './candles';
export { BUCKET_MS, WINDOW_BUCKETS } from './stats';
