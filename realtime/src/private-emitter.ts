import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { accountRoom, socketIoChannelPrefix, type PrivateMessage } from '@xtrader/protocol';
import { BLOCKING_OPTIONS, createRedis, SHARDED_SUBSCRIBER, type RedisClient, type RedisTarget } from '@xtrader/platform';

/**
 * Sends private messages to their account's connections on whichever realtime nodes they are,
 * from a process that is not a socket.io server (the stage that produces them): a socket.io
 * `Server` with no HTTP server and the sharded Redis adapter, so each message is one SPUBLISH on
 * the account room's shard channel, which only the nodes where that account is connected
 * subscribe to. Messages arrive ready, numbered by their producer.
 *
 * Delivery is at most once (Redis pub/sub): a connection that misses one sees a gap in
 * `account_sequence` and reads the account's state from REST.
 */
export class PrivateEmitter {
  private readonly io: Server;
  private readonly pub: RedisClient;
  private readonly sub: RedisClient;

  constructor(redisUrl: RedisTarget, prefix: string) {
    this.pub = createRedis(redisUrl, 'private-emitter-pub');
    this.sub = createRedis(redisUrl, 'private-emitter-sub', BLOCKING_OPTIONS, SHARDED_SUBSCRIBER);
    this.io = new Server({ adapter: createShardedAdapter(this.pub, this.sub, { channelPrefix: socketIoChannelPrefix(prefix), subscriptionMode: 'dynamic' }) });
  }

  /** Emits one account's messages, in order. */
  emit(accountId: string, messages: readonly PrivateMessage[]): void {
    const room = this.io.to(accountRoom(accountId));
    for (const m of messages) room.emit(m.type, m);
  }

  async close(): Promise<void> {
    // No engine to close (no HTTP server): stop the adapter's subscriptions, then its clients.
    await this.io.of('/').adapter.close();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
