import type { RedisClient } from '@xtrader/platform';
import { randomUUID } from 'node:crypto';
import {
  formatAssetAmount,
  parseAssetAmount,
  transferClaim,
  transferKeys,
  XtError,
  type AssetSpec,
  type TransferKind,
  type TransferResponse,
} from '@xtrader/protocol';
import type { AccountStore } from '../auth/account-store';
import { clip } from '../errors';
import { refusalError, type LedgerShardClient } from './shard-client';

/** A deposit or withdrawal as the api receives it (the route has checked the field types). */
export interface TransferInput {
  kind: TransferKind;
  tx_id: string;
  account_id: string;
  asset: string;
  amount?: unknown;
}

/**
 * Deletes a tx id's claim only if it still holds this content: a refused transfer gives its id
 * back (so a retry with other content is no conflict), never a claim someone else made since.
 */
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Moves money in and out of accounts through their ledger shard, idempotent per `tx_id`: checks
 * the input (asset, amount, account), claims the tx id in its own key (`SET NX`; other content
 * there is `409 TX_ID_CONFLICT`), then sends the transfer to the account's shard and answers with
 * the shard's answer, which is the first one for a replay. Everything refused before the claim
 * appends nothing; a transfer the shard refuses releases its claim.
 */
export class Transfers {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly assets: ReadonlyMap<string, AssetSpec>,
    private readonly accounts: AccountStore,
    private readonly ledger: LedgerShardClient,
  ) {}

  async transfer(t: TransferInput): Promise<TransferResponse> {
    return (await this.transferOnce(t)).response;
  }

  /**
   * {@link transfer}, saying also whether this request was the first to claim its tx id (`first:
   * false`: a replay, answered with the first answer; it still reaches the shard, which heals a
   * first attempt that died between its claim and its append).
   */
  async transferOnce(t: TransferInput): Promise<{ response: TransferResponse; first: boolean }> {
    const asset = this.assets.get(t.asset);
    if (!asset) throw new XtError('ASSET_NOT_FOUND', `unknown asset ${clip(t.asset)}`);
    const units = parseAssetAmount(asset, t.amount);
    if (!(await this.accounts.account(t.account_id))) throw new XtError('ACCOUNT_NOT_FOUND', `no account ${clip(t.account_id)}`);
    const claimKey = transferKeys(this.prefix).claim(t.tx_id);
    const claim = transferClaim(t.kind, t.account_id, asset.asset, units);
    const set = await this.redis.set(claimKey, claim, 'NX');
    if (set === null && (await this.redis.get(claimKey)) !== claim) {
      throw new XtError('TX_ID_CONFLICT', `tx_id ${clip(t.tx_id)} was already used for another transfer`);
    }
    const answer = await this.ledger.ask({
      kind: 'transfer',
      request_id: randomUUID(),
      transfer: { v: 1, kind: t.kind, tx_id: t.tx_id, account_id: t.account_id, asset: asset.asset, amount: formatAssetAmount(asset, units) },
    });
    if (answer === undefined) {
      throw new XtError('TIMEOUT', `the ledger did not answer within ${this.ledger.answerTimeoutMs} ms; the ${t.kind} may still be applied: retry with the same tx_id`);
    }
    if (!answer.ok) {
      await this.redis.eval(RELEASE_CLAIM, 1, claimKey, claim);
      throw refusalError(answer);
    }
    const response: TransferResponse = {
      tx_id: t.tx_id,
      kind: t.kind,
      account_id: t.account_id,
      asset: asset.asset,
      amount: formatAssetAmount(asset, BigInt(answer.amount)),
      available: formatAssetAmount(asset, BigInt(answer.available ?? '0')),
      locked: formatAssetAmount(asset, BigInt(answer.locked ?? '0')),
    };
    return { response, first: set !== null };
  }
}
