import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where each test's screenshot goes (gitignored, uploaded by CI as an artifact). */
export const ARTIFACTS_DIR = resolve(__dirname, '../../../artifacts/e2e');

/** The system Chromium (Debian's package; `npm test` installs it when missing). */
export const CHROMIUM = process.env.XT_CHROMIUM ?? '/usr/bin/chromium';

/** Real headless Chromium, without anything that phones home or needs a GPU. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A laptop-sized page in a fresh context (its own localStorage: its own "my orders"). `setup`
 * prepares the context and `beforeLoad` the page (listeners) before the page loads.
 */
export async function openPage(
  browser: Browser,
  url: string,
  setup?: (context: BrowserContext) => Promise<void>,
  beforeLoad?: (page: Page) => void,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await setup?.(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000); // generous: CI runs other suites on the same two cores
  beforeLoad?.(page);
  await page.goto(url);
  return { context, page };
}

/** Saves a full-page screenshot as artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string, path?: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path ?? join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
