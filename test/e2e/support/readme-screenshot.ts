/**
 * Takes the README's picture of the trading page with live data:
 *
 *   node --import tsx test/e2e/support/readme-screenshot.ts [minutes=6] [out=docs/screenshot.png]
 *
 * Starts the real stack, lets the demo market maker (infra/src/demo-bot.ts) trade BTC-KRW for
 * a few minutes so the 1-minute chart has candles, signs up in the page, places two orders through
 * its own form (one rests, one trades), and saves a laptop-sized screenshot.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { launchBrowser, openPage, screenshot } from './browser';
import { startExchange } from './exchange';
import { TradingPage } from './page';

const REPO_ROOT = resolve(__dirname, '../../..');

async function main(): Promise<void> {
  const minutes = Number(process.argv[2] ?? '6');
  const out = resolve(REPO_ROOT, process.argv[3] ?? 'docs/screenshot.png');
  const stack = await startExchange(['BTC-KRW', 'ETH-KRW', 'AAPL']);
  const bot = spawn(process.execPath, ['--import', 'tsx', 'infra/src/demo-bot.ts', '--api', stack.apiUrls[0], '--rate', '3', '--symbol', 'BTC-KRW'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  const browser = await launchBrowser();
  try {
    process.stderr.write(`letting the demo market maker trade for ${minutes} min (page: ${stack.realtimeUrls[0]})\n`);
    // A script, not a test: the point is wall-clock time for candles to form.
    await delay(minutes * 60_000);
    const { page } = await openPage(browser, `${stack.realtimeUrls[0]}/?symbol=BTC-KRW&interval=1m`);
    const ui = new TradingPage(page);
    await ui.ready();
    await ui.signUp('demo_trader');
    await page.locator('[data-testid=trade-row]').first().waitFor();
    const bestBid = Number(await page.locator('[data-testid=bid-row]').first().getAttribute('data-price'));
    // Asks are drawn highest first, so the best ask is the last row.
    const bestAsk = Number(await page.locator('[data-testid=ask-row]').last().getAttribute('data-price'));
    await ui.placeOrder({ side: 'Buy', price: String(bestBid - 5 * 1000), quantity: '0.015' });
    await ui.myOrder('NEW').waitFor();
    await ui.placeOrder({ side: 'Buy', price: String(bestAsk), quantity: '0.002' });
    await page.locator('[data-testid=my-order-row][data-status=FILLED], [data-testid=my-order-row][data-status=PARTIALLY_FILLED]').first().waitFor();
    await page.locator('[data-testid=quantity-input]').fill('0.05');
    await page.locator('[data-testid=price-input]').fill(String(bestBid));
    await page.locator('[data-testid=price-chart][data-bars]').waitFor();
    await page.screenshot({ path: out });
    await screenshot(page, 'readme-full');
    process.stderr.write(`saved ${out}\n`);
  } finally {
    bot.kill('SIGTERM');
    await once(bot, 'exit');
    await browser.close();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
