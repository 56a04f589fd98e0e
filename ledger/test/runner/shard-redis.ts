import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { launchReplica, RedisServer, waitFor } from '@xtrader/platform';
import { balanceField, decodeBalance, FIELDS, ledgerShardKeys, type LedgerAnswer, type LedgerRequest } from '@xtrader/protocol';

/**
 * A real redis-server for one ledger shard (shard 0 under a fresh prefix) with a subscriber that
 * collects the writer's answers, so a test can send a request on the command stream and wait for
 * its answer.
 */
export class ShardRedis {
  readonly prefix = `t-${randomBytes(4).toString('hex')}`;
  readonly keys = ledgerShardKeys(0, this.prefix);
  readonly answers = new Map<string, LedgerAnswer>();
  server!: RedisServer;
  /** A replica of the server, when started `withReplica`. */
  replica?: RedisServer;
  redis!: Redis;
  private sub?: Redis;

  async start(opts: { withReplica?: boolean } = {}): Promise<void> {
    this.server = await RedisServer.launch();
    if (opts.withReplica) this.replica = await launchReplica(this.server);
    this.redis = this.server.client();
    this.sub = this.server.client();
    await this.sub.subscribe(this.keys.answers);
    this.sub.on('message', (_channel, message) => {
      const a = JSON.parse(message) as LedgerAnswer;
      this.answers.set(a.request_id, a);
    });
  }

  async ask(req: LedgerRequest, timeoutMs = 20_000): Promise<LedgerAnswer> {
    await this.redis.xadd(this.keys.commands, '*', FIELDS.command, JSON.stringify(req));
    return waitFor(`answer to ${req.request_id}`, () => this.answers.get(req.request_id), { timeoutMs, intervalMs: 10 });
  }

  /** An account's committed balance of one asset (zeros when it has none). */
  async balance(account: string, asset: string): Promise<{ available: bigint; locked: bigint }> {
    const value = await this.redis.hget(this.keys.balances, balanceField(account, asset));
    if (value === null) return { available: 0n, locked: 0n };
    const { available, locked } = decodeBalance(balanceField(account, asset), value);
    return { available, locked };
  }

  async stop(): Promise<void> {
    this.sub?.disconnect();
    this.redis?.disconnect();
    await this.replica?.destroy();
    await this.server?.destroy();
  }
}
