import { createHmac } from 'node:crypto';
import * as ccxt from 'ccxt';
import { http, type Account, type Answer } from '../helpers';

/**
 * CCXT's `binance` class pointed at an xTrader api node, the way `binanceus` points it at its own
 * host: every API base CCXT knows goes to the node (what we do not serve answers there, visibly,
 * rather than reaching out to Binance), and the calls to Binance's wallet and futures APIs that
 * `loadMarkets` would make are switched off by CCXT's own options.
 */
export function binanceClient(apiUrl: string, account?: Pick<Account, 'apiKey' | 'apiSecret'>): ccxt.binance {
  const ex = new ccxt.binance({
    apiKey: account?.apiKey,
    secret: account?.apiSecret,
    enableRateLimit: false,
    options: {
      // loadMarkets: only spot's exchangeInfo (not fapi/dapi), no sapi currencies, no margin pairs.
      fetchMarkets: { types: ['spot'] },
      fetchCurrencies: false,
      fetchMargins: false,
    },
  });
  const api = ex.urls.api as Record<string, string>;
  for (const name of Object.keys(api)) api[name] = `${apiUrl}/unserved/${name}`;
  api.public = `${apiUrl}/api/v3`;
  api.private = `${apiUrl}/api/v3`;
  return ex;
}

/** One Binance-signed call made by hand: params in the query (GET/DELETE) or a form body (POST). */
export async function binanceSigned(
  apiUrl: string,
  account: Pick<Account, 'apiKey' | 'apiSecret'>,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  params: Record<string, string | number>,
  opts: { timestamp?: number; secret?: string; apiKey?: string; noSignature?: boolean } = {},
): Promise<Answer> {
  const all = { ...params, timestamp: String(opts.timestamp ?? Date.now()) };
  let query = new URLSearchParams(Object.entries(all).map(([k, v]): [string, string] => [k, String(v)])).toString();
  if (!opts.noSignature) query += `&signature=${createHmac('sha256', opts.secret ?? account.apiSecret).update(query).digest('hex')}`;
  const headers = { 'x-mbx-apikey': opts.apiKey ?? account.apiKey };
  if (method === 'POST') return http(method, `${apiUrl}/api/v3/${path}`, query, { ...headers, 'content-type': 'application/x-www-form-urlencoded' });
  return http(method, `${apiUrl}/api/v3/${path}?${query}`, undefined, headers);
}
