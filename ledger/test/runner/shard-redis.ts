import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { RedisServer, waitFor } from '@xtrader/platform';
import { FIELDS, ledgerShardKeys, type LedgerAnswer, type LedgerRequest } from '@xtrader/protocol';

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
  redis!: Redis;
  private sub?: Redis;

  async start(): Promise<void> {
    this.server = await RedisServer.launch();
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

  async stop(): Promise<void> {
    this.sub?.disconnect();
    this.redis?.disconnect();
    await this.server?.destroy();
  }
}
