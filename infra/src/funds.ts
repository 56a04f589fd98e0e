/**
 * The money the tests, the load runner, the k6 scripts and the demo's market makers give each of
 * their accounts. No imports: k6 (not Node) loads this file too.
 */

/**
 * Per asset, far more than any of them spends (a Market Buy by quantity locks at its market's
 * max price until it ends).
 */
export const GENEROUS_FUNDS: Readonly<Record<string, string>> = {
  KRW: '10000000000000',
  BTC: '10000',
  ETH: '100000',
  USD: '10000000000',
  AAPL: '10000000',
};

/**
 * The admin deposits that fund `accountId`: one per asset, each with the tx id
 * `fund-<account>-<asset>`, so funding an account again deposits nothing twice.
 */
export function fundingDeposits(accountId: string, amounts: Readonly<Record<string, string>> = GENEROUS_FUNDS): { account_id: string; asset: string; amount: string; tx_id: string }[] {
  return Object.entries(amounts).map(([asset, amount]) => ({ account_id: accountId, asset, amount, tx_id: `fund-${accountId}-${asset}` }));
}
