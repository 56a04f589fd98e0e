import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseExchangeConfig, type ExchangeConfig, type MarketSpec } from './symbols';

/** `config/symbols.json` at the repository root, unless XT_SYMBOLS_FILE points elsewhere. */
export const DEFAULT_SYMBOLS_FILE = resolve(__dirname, '../../config/symbols.json');

/** Loads and validates assets and markets; throws a readable error naming the file on any problem. */
export function loadExchangeConfig(file: string = process.env.XT_SYMBOLS_FILE || DEFAULT_SYMBOLS_FILE): ExchangeConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read symbols config ${file}: ${(e as Error).message}`);
  }
  try {
    return parseExchangeConfig(json);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/** Loads and validates the markets (see {@link loadExchangeConfig}). */
export function loadMarkets(file?: string): MarketSpec[] {
  return [...loadExchangeConfig(file).markets];
}

/** Markets by symbol. */
export function loadMarketMap(file?: string): Map<string, MarketSpec> {
  return new Map(loadMarkets(file).map((m) => [m.symbol, m]));
}
