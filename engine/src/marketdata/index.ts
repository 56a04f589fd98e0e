/** Market data of one symbol, maintained by its engine (see README.md here). */
export { MarketData, DEPTH_LEVELS, type MarketDataState } from './market-data';
export { MAX_CANDLES } from './candles';
export { MAX_TRADES } from './store';
export { BUCKET_MS, WINDOW_BUCKETS } from './stats';
export { marketMessageJson } from './feed-json';
