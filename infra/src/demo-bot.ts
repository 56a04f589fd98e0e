/**
 * The demo market maker: keeps every symbol trading through the public REST API so the trading
 * page shows a moving chart and a live book at once.
 *
 *   tsx infra/src/demo-bot.ts [--api http://127.0.0.1:7000] [--rate 4] [--symbol BTC-KRW ...]
 *
 * Settings (flags win over the environment): XT_DEMO_API_URL (--api), XT_DEMO_RATE (--rate,
 * actions per second per symbol), XT_SYMBOLS_FILE (the markets), XT_ADMIN_TOKEN (the exchange's
 * admin token: the bot's account is funded with GENEROUS_FUNDS through the admin routes; unset,
 * it trades unfunded), LOG_LEVEL.
 */
import { parseArgs } from 'node:util';
import { createLogger, onShutdown } from '@xtrader/platform';
import { loadMarkets } from '@xtrader/protocol/node';
import { ApiClient } from './api-client';
import { MarketMaker } from './demo/market-maker';

const log = createLogger('demo-bot');
const { values } = parseArgs({
  options: {
    api: { type: 'string', default: process.env.XT_DEMO_API_URL ?? 'http://127.0.0.1:7000' },
    rate: { type: 'string', default: process.env.XT_DEMO_RATE ?? '4' },
    symbol: { type: 'string', multiple: true },
  },
});
const rate = Number(values.rate);
if (!(rate > 0 && rate <= 200)) {
  console.error('--rate must be between 0 and 200 actions per second per symbol');
  process.exit(2);
}
const markets = loadMarkets().filter((m) => !values.symbol || values.symbol.includes(m.symbol));
if (markets.length === 0) {
  console.error(`no configured symbol matches ${values.symbol?.join(', ')}`);
  process.exit(2);
}

/** The demo trades as an account of its own, created and funded at start through the API (retried while the api boots). */
async function connect(baseUrl: string): Promise<ApiClient> {
  const adminToken = process.env.XT_ADMIN_TOKEN;
  if (!adminToken) log.warn('XT_ADMIN_TOKEN is unset: the demo account is not funded');
  for (let attempt = 0; ; attempt++) {
    try {
      return await ApiClient.withNewAccount(baseUrl, 'demo', undefined, adminToken ? { adminToken } : undefined);
    } catch (e) {
      if (attempt % 10 === 0) log.warn('cannot create the demo account yet; retrying', { error: (e as Error).message });
      await sleep(1000);
    }
  }
}
let running = true;

/** Runs one maker at `rate` actions per second; backs off for a second after a failure. */
async function run(maker: MarketMaker): Promise<void> {
  const period = 1000 / rate;
  let lastError = 0;
  while (running) {
    const started = Date.now();
    try {
      await maker.act();
    } catch (e) {
      // An api node restarting is expected in a drill: say so at most every 5 s, then retry.
      if (Date.now() - lastError > 5000) log.warn('order failed; retrying', { symbol: maker.symbol, error: (e as Error).message });
      lastError = Date.now();
      await sleep(1000);
    }
    await sleep(Math.max(0, period - (Date.now() - started)));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const api = await connect(values.api!.replace(/\/$/, ''));
  const makers = markets.map((m) => new MarketMaker(api, m));
  const loops = makers.map(run);
  const report = setInterval(() => {
    log.info('trading', Object.fromEntries(makers.map((m) => [m.symbol, m.stats])));
  }, 30_000);
  report.unref();
  log.info('started', { api: api.baseUrl, rate, symbols: makers.map((m) => m.symbol) });

  onShutdown(log, async () => {
    running = false;
    await Promise.all(loops);
    await Promise.all(makers.map((m) => m.withdraw()));
  });
}

void main();
