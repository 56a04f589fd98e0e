import type { Page } from 'playwright-core';

/** The password the tests' accounts use (the rule: 8-128 characters). */
export const DEFAULT_PASSWORD = 'correct horse battery';

/** Test-facing actions and waits on the trading page, by its data-testid hooks. */
export class TradingPage {
  /** `frames`: the page's socket frames as recorded by the caller (`> ` sent, `< ` received). */
  constructor(
    readonly page: Page,
    private readonly frames: string[] = [],
  ) {}

  /** Socket.io events of this type the page has sent so far (their JSON text). */
  sent(type: string): string[] {
    return this.frames.filter((f) => f.startsWith(`> 42["${type}"`));
  }

  /** Waits until the page shows its market and the socket is up. */
  async ready(): Promise<void> {
    await this.page.locator('[data-testid=order-book]').waitFor();
    await this.connection('live');
  }

  connection(state: 'live' | 'polling' | 'connecting') {
    return this.page.locator(`[data-testid=connection-status][data-state=${state}]`).waitFor();
  }

  async selectSymbol(symbol: string): Promise<void> {
    await this.page.locator('[data-testid=symbol-select]').selectOption(symbol);
    await this.page.locator(`[data-testid=price-chart][data-symbol="${symbol}"]`).waitFor();
  }

  /** Fills and submits the order form. */
  async placeOrder(o: { side: 'Buy' | 'Sell'; type?: 'Limit' | 'Market'; price?: string; quantity: string }): Promise<void> {
    const p = this.page;
    await p.locator(`[data-testid=side-${o.side.toLowerCase()}]`).click();
    await p.locator(`[data-testid=type-${(o.type ?? 'Limit').toLowerCase()}]`).click();
    if (o.price !== undefined) await p.locator('[data-testid=price-input]').fill(o.price);
    await p.locator('[data-testid=quantity-input]').fill(o.quantity);
    await p.locator('[data-testid=submit-order]').click();
  }

  /** The balances panel's row of `asset` showing `available` (and `locked`, when given). */
  balance(asset: string, available: number | string, locked?: number | string) {
    const l = locked === undefined ? '' : `[data-locked="${locked}"]`;
    return this.page.locator(`[data-testid=balance-row][data-asset=${asset}][data-available="${available}"]${l}`);
  }

  /** Waits until the page shows the deposits of `fundUser` (GENEROUS_FUNDS: 10,000,000,000,000 KRW). */
  funded() {
    return this.balance('KRW', '10000000000000').waitFor();
  }

  bookRow(side: 'bid' | 'ask', price: number | string, quantity?: number | string) {
    const q = quantity === undefined ? '' : `[data-quantity="${quantity}"]`;
    return this.page.locator(`[data-testid=${side}-row][data-price="${price}"]${q}`);
  }

  tradeRow(price: number | string, quantity: number | string, side?: 'Buy' | 'Sell') {
    const s = side ? `[data-side=${side}]` : '';
    return this.page.locator(`[data-testid=trade-row][data-price="${price}"][data-quantity="${quantity}"]${s}`);
  }

  /** The chart's newest candle closes at `price`. */
  chartLastClose(price: number | string) {
    return this.page.locator(`[data-testid=price-chart][data-last-close="${price}"]`);
  }

  lastPrice(price: number | string) {
    return this.page.locator(`[data-testid=stat-last-price][data-value="${price}"]`);
  }

  /** Signs up through the header's dialog (which then logs in) and waits until the page says so. */
  async signUp(username: string, password = DEFAULT_PASSWORD): Promise<void> {
    await this.page.locator('[data-testid=open-signup]').click();
    await this.submitCredentials(username, password);
  }

  async logIn(username: string, password = DEFAULT_PASSWORD): Promise<void> {
    await this.page.locator('[data-testid=open-login]').click();
    await this.submitCredentials(username, password);
  }

  /** Fills and submits the open log-in / sign-up dialog, then waits for the signed-in header. */
  async submitCredentials(username: string, password = DEFAULT_PASSWORD): Promise<void> {
    const dialog = this.page.locator('[data-testid=auth-dialog]');
    await dialog.locator('[data-testid=auth-username]').fill(username);
    await dialog.locator('[data-testid=auth-password]').fill(password);
    await dialog.locator('[data-testid=auth-submit]').click();
    await this.signedIn(username);
  }

  signedIn(username: string) {
    return this.page.locator(`[data-testid=account-menu][data-state=signed-in][data-username="${username}"]`).waitFor();
  }

  signedOut() {
    return this.page.locator('[data-testid=account-menu][data-state=signed-out]').waitFor();
  }

  async logOut(): Promise<void> {
    await this.page.locator('[data-testid=logout]').click();
    await this.signedOut();
  }

  myOrder(status: string, nth = 0) {
    return this.page.locator(`[data-testid=my-order-row][data-status=${status}]`).nth(nth);
  }

  myOrders() {
    return this.page.locator('[data-testid=my-order-row]');
  }

  /** The account's order with this id, in "my orders". */
  myOrderById(orderId: string, status?: string) {
    const s = status ? `[data-status=${status}]` : '';
    return this.page.locator(`[data-testid=my-order-row][data-order-id="${orderId}"]${s}`);
  }
}
