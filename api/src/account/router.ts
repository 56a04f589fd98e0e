import { Router } from 'express';
import { XtError, type AccountResponse, type MarketSpec } from '@xtrader/protocol';
import type { AccountStore, Principal } from '../auth/account-store';
import type { Authenticator } from '../auth/authenticate';
import { principalOf, requireAuth } from '../auth/router';
import type { LedgerReader } from '../ledger/reader';

export interface AccountRouterDeps {
  accounts: AccountStore;
  auth: Authenticator;
  markets: ReadonlyMap<string, MarketSpec>;
  ledger: LedgerReader;
}

/** Every asset of the listed symbols, in a stable order. */
function assetsOf(markets: ReadonlyMap<string, MarketSpec>): string[] {
  const assets = new Set<string>();
  for (const spec of markets.values()) {
    assets.add(spec.config.base);
    assets.add(spec.config.quote);
  }
  return [...assets].sort();
}

/** Reads an authenticated account's answer to `GET /account` (shared with the Binance dialect). */
export type ReadAccount = (p: Principal) => Promise<AccountResponse>;

/** `{account_id, username, balances}` with every asset of the listed symbols, as the account's ledger shard committed them. */
export function accountReader({ accounts, markets, ledger }: Pick<AccountRouterDeps, 'accounts' | 'markets' | 'ledger'>): ReadAccount {
  const assets = assetsOf(markets);
  return async (p) => {
    const [account, balances] = await Promise.all([accounts.account(p.accountId), ledger.balances(p.accountId, assets)]);
    if (!account) throw new XtError('UNAUTHENTICATED', 'the account no longer exists');
    return { account_id: p.accountId, username: p.username, balances };
  };
}

/**
 * The signed-in account's own routes, mounted at `/api/v1`:
 * - `GET /account` (scope read) -> `{account_id, username, balances: [{asset, available, locked}]}`
 *   with every asset of the listed symbols, zeros included.
 */
export function accountRouter({ accounts, auth, markets, ledger }: AccountRouterDeps): Router {
  const router = Router();
  const read = accountReader({ accounts, markets, ledger });

  router.get('/account', requireAuth(auth, 'read'), async (_req, res) => {
    const body: AccountResponse = await read(principalOf(res));
    res.status(200).json(body);
  });

  return router;
}
