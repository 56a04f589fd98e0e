import { createShardedAdapter } from '@socket.io/redis-adapter';
import { MessageType, type Adapter } from 'socket.io-adapter';
import { accountOfRoom, accountRoom, PrivateMessage } from '@xtrader/protocol';
import { Outgoing } from './outgoing';

/** A connection that follows its account's private messages (a session of either transport). */
export interface PrivateSubscriber {
  /** Unique per connection on this node: its member id in the account's room. */
  readonly id: string;
  offerPrivate(out: Outgoing): void;
}

/** What the router reads of a cluster adapter message (socket.io-adapter's ClusterMessage). */
interface ClusterBroadcast {
  uid: string;
  nsp: string;
  type: MessageType;
  data?: { requestId?: number; packet?: { data?: unknown[] }; opts?: { rooms?: string[] } };
}

/** The adapter's seam where packets from other nodes arrive (protected in its typings). */
interface ReceivingAdapter {
  onMessage(message: ClusterBroadcast, offset?: string): void;
}

/**
 * This node's connections per account, kept as members of the account's socket.io room so that
 * the sharded Redis adapter (dynamic subscription mode) subscribes to the account's shard channel
 * exactly while the account has a private subscription on this node, and drops it with the last
 * one. Both transports use the same rooms: a /ws connection is a room member like a socket.io
 * one, and what arrives for the room is handed to the sessions, which filter it by channel and
 * symbol and queue it in order with everything else they send.
 */
export class PrivateRouter {
  private readonly accounts = new Map<string, Set<PrivateSubscriber>>();
  private adapter?: Adapter;
  /** Private messages handed to local connections, and dropped as malformed. */
  routed = 0;
  malformed = 0;

  /** The namespace adapter whose rooms carry the accounts (set when the socket.io server starts). */
  attach(adapter: Adapter): void {
    this.adapter = adapter;
  }

  join(s: PrivateSubscriber, accountId: string): void {
    let set = this.accounts.get(accountId);
    if (!set) this.accounts.set(accountId, (set = new Set()));
    set.add(s);
    void this.adapter?.addAll(s.id, new Set([accountRoom(accountId)]));
  }

  leave(s: PrivateSubscriber, accountId: string): void {
    const set = this.accounts.get(accountId);
    if (!set?.delete(s)) return;
    if (set.size === 0) this.accounts.delete(accountId);
    void this.adapter?.del(s.id, accountRoom(accountId));
  }

  /** Accounts with a private subscription on this node. */
  get accountCount(): number {
    return this.accounts.size;
  }

  /** A packet for an account room arrived: `[event name, message]` as the emitter sent it. */
  deliver(room: string, args: readonly unknown[]): void {
    const accountId = accountOfRoom(room);
    const set = accountId === undefined ? undefined : this.accounts.get(accountId);
    if (!set) return;
    const [event, message] = args;
    const parsed = PrivateMessage.safeParse(message);
    if (!parsed.success || parsed.data.type !== event) {
      this.malformed++;
      return;
    }
    const out = new Outgoing(message as Outgoing['message']);
    for (const s of set) s.offerPrivate(out);
    this.routed++;
  }
}

/**
 * The sharded Redis adapter, with account-room broadcasts from other processes handed to the
 * {@link PrivateRouter} instead of socket.io's own per-socket write, so both transports receive
 * them through one seam. Every other message (topic rooms, acks, socket joins) takes the
 * adapter's own path.
 */
export function privateRoutingAdapter(pub: unknown, sub: unknown, opts: { channelPrefix: string }, router: PrivateRouter) {
  const sharded = createShardedAdapter(pub, sub, { ...opts, subscriptionMode: 'dynamic' });
  // A plain function, not an arrow: socket.io calls the factory with `new`.
  return function adapterFor(nsp: { name: string }) {
    const adapter = sharded(nsp) as unknown as Adapter & ReceivingAdapter;
    if (nsp.name !== '/') return adapter;
    router.attach(adapter);
    const receive = adapter.onMessage.bind(adapter);
    adapter.onMessage = (message, offset) => {
      const data = message.data;
      const rooms = data?.opts?.rooms;
      if (
        data !== undefined &&
        message.type === MessageType.BROADCAST &&
        message.nsp === nsp.name &&
        data.requestId === undefined &&
        rooms?.length === 1 &&
        accountOfRoom(rooms[0]) !== undefined
      ) {
        router.deliver(rooms[0], data.packet?.data ?? []);
        return;
      }
      receive(message, offset);
    };
    return adapter;
  };
}
