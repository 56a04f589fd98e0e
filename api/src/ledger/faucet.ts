import { Router } from 'express';
import { parseAssetAmount, type AssetSpec, type FaucetInfoResponse, type FaucetResponse } from '@xtrader/protocol';
import { RateLimited } from '../auth/redis-limit';
import type { Authenticator } from '../auth/authenticate';
import { principalOf, requireAuth } from '../auth/router';
import type { Transfers } from './transfers';

/** XT_FAUCET_AMOUNTS when unset: what one faucet call deposits (enough to trade every demo market). */
export const DEFAULT_FAUCET_AMOUNTS = 'KRW=100000000,BTC=1,ETH=10,USD=100000,AAPL=100';
/** An account may take the faucet once per period (a clock hour). */
export const FAUCET_PERIOD_MS = 3_600_000;

/**
 * `ASSET=amount,...` as asset -> decimal amount; throws (at boot) on an unknown asset, an amount
 * the asset cannot hold exactly, or an asset named twice.
 */
export function parseFaucetAmounts(text: string, assets: ReadonlyMap<string, AssetSpec>): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, amount, extra] = part.split('=').map((p) => p.trim());
    const asset = assets.get(name ?? '');
    if (!asset || amount === undefined || extra !== undefined) throw new Error(`XT_FAUCET_AMOUNTS: "${part}" is not ASSET=amount of a configured asset`);
    if (out.has(asset.asset)) throw new Error(`XT_FAUCET_AMOUNTS names ${asset.asset} twice`);
    parseAssetAmount(asset, amount, `XT_FAUCET_AMOUNTS ${asset.asset}`);
    out.set(asset.asset, amount);
  }
  if (out.size === 0) throw new Error('XT_FAUCET_AMOUNTS names no asset');
  return out;
}

export interface FaucetDeps {
  auth: Authenticator;
  transfers: Transfers;
  amounts: ReadonlyMap<string, string>;
  /** The clock (tests may fix it). */
  now?: () => number;
}

/**
 * The demo faucet, mounted at `/api/v1` only with XT_FAUCET=on (else its routes answer 404):
 * - `GET /faucet` -> `{amounts: [{asset, amount}]}`, what one call deposits;
 * - `POST /faucet` (signed in, scope trade) deposits those amounts into the caller's account,
 *   once per clock hour: each deposit's tx id is `faucet-<account>-<hour>-<asset>`, so a second
 *   call in the hour replays the first deposits (moving nothing) and answers `429 FAUCET_USED`
 *   with `Retry-After`. A first call that died half-way is completed by the next one.
 */
export function faucetRouter({ auth, transfers, amounts, now = Date.now }: FaucetDeps): Router {
  const router = Router();
  router.get('/faucet', requireAuth(auth, 'read'), (_req, res) => {
    const body: FaucetInfoResponse = { amounts: [...amounts].map(([asset, amount]) => ({ asset, amount })) };
    res.status(200).json(body);
  });
  router.post('/faucet', requireAuth(auth, 'trade'), async (_req, res) => {
    const accountId = principalOf(res).accountId;
    const t = now();
    const hour = Math.floor(t / FAUCET_PERIOD_MS);
    const nextAt = (hour + 1) * FAUCET_PERIOD_MS;
    const results = await Promise.all(
      [...amounts].map(([asset, amount]) => transfers.transferOnce({ kind: 'deposit', tx_id: `faucet-${accountId}-${hour}-${asset}`, account_id: accountId, asset, amount })),
    );
    if (!results.some((r) => r.first)) {
      throw new RateLimited(`the faucet was already used this hour; next at ${new Date(nextAt).toISOString()}`, nextAt - t, 'FAUCET_USED');
    }
    const body: FaucetResponse = { deposits: results.map((r) => r.response), next_at: nextAt };
    res.status(200).json(body);
  });
  return router;
}
