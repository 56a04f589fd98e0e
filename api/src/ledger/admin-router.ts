import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { AdminTransferRequest, XtError, type FeesResponse, type TransferKind } from '@xtrader/protocol';
import type { LedgerReader } from './reader';
import type { Transfers } from './transfers';

export interface AdminRouterDeps {
  /** XT_ADMIN_TOKEN: the operator's bearer token (non-empty; without one the routes are not mounted). */
  token: string;
  transfers: Transfers;
  reader: LedgerReader;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Refuses any request without `Authorization: Bearer <token>`, compared in constant time. */
function requireAdmin(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (given !== '' && timingSafeEqual(digest(given), expected)) return next();
    next(new XtError('UNAUTHENTICATED', 'the admin routes need Authorization: Bearer <XT_ADMIN_TOKEN>'));
  };
}

/**
 * The operator's routes, mounted at `/api/v1` only when XT_ADMIN_TOKEN is set (else they answer
 * 404 like any unknown route):
 * - `POST /admin/deposits`, `POST /admin/withdrawals` `{account_id, asset, amount, tx_id}` ->
 *   `200 TransferResponse` (the balance right after the transfer; a replay gets the first answer);
 * - `GET /admin/fees` -> `{fees: [{asset, amount}]}` collected over every shard.
 */
export function adminRouter({ token, transfers, reader }: AdminRouterDeps): Router {
  const router = Router();
  router.use('/admin', requireAdmin(token));
  const transfer = (kind: TransferKind): RequestHandler => async (req, res) => {
    const parsed = AdminTransferRequest.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new XtError('INVALID_REQUEST', issue?.path.length ? `${issue.path.join('.')}: ${issue.message}` : 'the body must be {account_id, asset, amount, tx_id}');
    }
    res.status(200).json(await transfers.transfer({ kind, ...parsed.data }));
  };
  router.post('/admin/deposits', transfer('deposit'));
  router.post('/admin/withdrawals', transfer('withdrawal'));
  router.get('/admin/fees', async (_req, res) => {
    const body: FeesResponse = { fees: await reader.fees() };
    res.status(200).json(body);
  });
  return router;
}
