import { io, type Socket } from 'socket.io-client';
import {
  AuthSuccess,
  candleTopic,
  channelTopic,
  DEFAULT_CANDLE_INTERVAL,
  MarketMessage,
  PRIVATE_CHANNELS,
  PrivateMessage,
  SubscribeSuccess,
  type Auth,
  type Channel,
  type Interval,
  type Subscribe,
  type Unsubscribe,
} from '@xtrader/protocol';

/**
 * `live`: the socket is up and pushes every change. `polling`: the socket is down, the page
 * reads REST every 2 s until it is back. `connecting`: the first connect is pending.
 */
export type ConnectionState = 'connecting' | 'live' | 'polling';

/** One topic the page wants: a channel of a symbol, candles also of an interval. */
export interface TopicSpec {
  channel: Channel;
  symbol: string;
  interval?: Interval;
}

export interface FeedHandlers {
  onMessage(msg: MarketMessage): void;
  /** A message on `topic` was missed (its `prev_sequence` is not the last `sequence` seen): resync from REST. */
  onGap?(topic: string): void;
}

interface TopicEntry {
  spec: TopicSpec;
  refs: number;
  /** Last `sequence` seen on this topic since it was (re)subscribed. */
  lastSeq?: number;
}

interface Registration {
  topics: Set<string>;
  handlers: FeedHandlers;
}

const MARKET_EVENTS = ['Execution', 'OrderBookUpdate', 'MarketStatistics', 'CandlestickUpdate'] as const;
const PRIVATE_EVENTS = ['OrderUpdate', 'Fill', 'BalanceUpdate'] as const;

export interface AccountHandlers {
  /** The account's channels are followed (again): what was missed before is only in REST. */
  onSubscribed(): void;
  onMessage(msg: PrivateMessage): void;
  /** An `account_sequence` was skipped: a message was missed, resync from REST. */
  onGap(): void;
}

interface AccountRegistration {
  accountId: string;
  handlers: AccountHandlers;
  /** The private channels are subscribed on the current connection. */
  subscribed: boolean;
  lastSeq?: number;
}

export function topicName(t: TopicSpec): string {
  return t.channel === 'candles' ? candleTopic(t.symbol, t.interval ?? DEFAULT_CANDLE_INTERVAL) : channelTopic(t.channel, t.symbol);
}

/**
 * The page's one socket.io connection: reference-counted topic subscriptions that survive
 * reconnects, message validation against the shared schemas, and per-topic gap detection.
 */
export class MarketFeed {
  private readonly socket: Socket;
  private state: ConnectionState = 'connecting';
  private readonly stateListeners = new Set<() => void>();
  private readonly topics = new Map<string, TopicEntry>();
  private readonly registrations = new Set<Registration>();
  /** The account the current connection authenticated as (AuthSuccess), if any. */
  private authenticatedAs?: string;
  private account?: AccountRegistration;

  /** `url` undefined connects to the page's own origin. */
  constructor(url: string | undefined) {
    // Websocket only: the realtime pool has no sticky sessions (STYLE: socket.io pitfalls).
    const opts = { transports: ['websocket'], reconnectionDelay: 500, reconnectionDelayMax: 2000 };
    this.socket = url ? io(url, opts) : io(opts);
    this.socket.on('connect', () => {
      // The handshake carries the session cookie: an AuthSuccess follows when it is a session.
      this.authenticatedAs = undefined;
      if (this.account) this.account.subscribed = false;
      // Back after an outage: messages sent between the last poll and this resubscribe were
      // missed and no gap will show (lastSeq restarts), so every topic resyncs once from REST.
      const reconnected = this.state === 'polling';
      for (const entry of this.topics.values()) entry.lastSeq = undefined;
      this.sendSubscriptions('Subscribe', [...this.topics.values()].map((e) => e.spec));
      this.setState('live');
      if (reconnected) for (const reg of this.registrations) for (const topic of reg.topics) reg.handlers.onGap?.(topic);
    });
    this.socket.on('disconnect', () => {
      this.authenticatedAs = undefined;
      if (this.account) this.account.subscribed = false;
      this.setState('polling');
    });
    this.socket.on('AuthSuccess', (raw: unknown) => {
      const msg = AuthSuccess.safeParse(raw);
      if (!msg.success) return;
      this.authenticatedAs = msg.data.account_id;
      this.subscribeAccountChannels();
    });
    this.socket.on('SubscribeSuccess', (raw: unknown) => {
      const msg = SubscribeSuccess.safeParse(raw);
      const acc = this.account;
      if (!msg.success || !acc || !acc.subscribed || !msg.data.channels?.includes('orders')) return;
      acc.lastSeq = undefined;
      this.callAccount((h) => h.onSubscribed());
    });
    for (const event of PRIVATE_EVENTS) this.socket.on(event, (raw: unknown) => this.dispatchPrivate(raw));
    this.socket.on('connect_error', () => {
      if (!this.socket.connected) this.setState('polling');
    });
    this.socket.on('Ping', (msg: { timestamp?: number }) => this.socket.emit('Pong', { type: 'Pong', timestamp: msg?.timestamp }));
    this.socket.on('Error', (msg: unknown) => console.warn('realtime error', msg));
    for (const event of MARKET_EVENTS) this.socket.on(event, (raw: unknown) => this.dispatch(raw));
  }

  getState = (): ConnectionState => this.state;

  onStateChange = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /** Subscribes `handlers` to `specs`; returns the function that undoes it. */
  subscribe(specs: TopicSpec[], handlers: FeedHandlers): () => void {
    const reg: Registration = { topics: new Set(specs.map(topicName)), handlers };
    this.registrations.add(reg);
    const added: TopicSpec[] = [];
    for (const spec of specs) {
      const name = topicName(spec);
      const entry = this.topics.get(name);
      if (entry) entry.refs++;
      else {
        this.topics.set(name, { spec, refs: 1 });
        added.push(spec);
      }
    }
    if (this.socket.connected) this.sendSubscriptions('Subscribe', added);
    return () => {
      if (!this.registrations.delete(reg)) return;
      const removed: TopicSpec[] = [];
      for (const spec of specs) {
        const name = topicName(spec);
        const entry = this.topics.get(name);
        if (entry && --entry.refs === 0) {
          this.topics.delete(name);
          removed.push(spec);
        }
      }
      if (this.socket.connected) this.sendSubscriptions('Unsubscribe', removed);
    };
  }

  /**
   * Authenticates the connection as the session `token` (just logged in): a connection made
   * before the login carried no session cookie. Later connections authenticate by the cookie.
   */
  authenticate(token: string): void {
    const msg: Auth = { type: 'Auth', token };
    if (this.socket.connected) this.socket.emit('Auth', msg);
  }

  /**
   * Follows the account's private channels (all of them, unfiltered, so a skipped
   * `account_sequence` is a missed message) once the connection is authenticated as `accountId`,
   * and again after every reconnect. Returns the function that stops it.
   */
  subscribeAccount(accountId: string, handlers: AccountHandlers): () => void {
    const reg: AccountRegistration = { accountId, handlers, subscribed: false };
    this.account = reg;
    this.subscribeAccountChannels();
    return () => {
      if (this.account !== reg) return;
      this.account = undefined;
      if (reg.subscribed && this.socket.connected) this.socket.emit('Unsubscribe', { type: 'Unsubscribe', channels: [...PRIVATE_CHANNELS] });
    };
  }

  close(): void {
    this.socket.close();
  }

  private subscribeAccountChannels(): void {
    const acc = this.account;
    if (!acc || acc.subscribed || !this.socket.connected || this.authenticatedAs !== acc.accountId) return;
    acc.subscribed = true;
    this.socket.emit('Subscribe', { type: 'Subscribe', channels: [...PRIVATE_CHANNELS] });
  }

  private dispatchPrivate(raw: unknown): void {
    const acc = this.account;
    if (!acc || !acc.subscribed) return;
    const parsed = PrivateMessage.safeParse(raw);
    if (!parsed.success) {
      console.warn('unreadable private message', raw);
      return;
    }
    const seq = parsed.data.account_sequence;
    const gap = acc.lastSeq !== undefined && seq > acc.lastSeq + 1;
    if (acc.lastSeq === undefined || seq > acc.lastSeq) acc.lastSeq = seq;
    if (gap) this.callAccount((h) => h.onGap());
    this.callAccount((h) => h.onMessage(parsed.data));
  }

  private callAccount(call: (h: AccountHandlers) => void): void {
    const acc = this.account;
    if (!acc) return;
    try {
      call(acc.handlers);
    } catch (e) {
      console.error('account handler failed', e);
    }
  }

  private setState(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.stateListeners) l();
  }

  /** One message per symbol (and interval for candles), since the server subscribes the cross product. */
  private sendSubscriptions(type: 'Subscribe' | 'Unsubscribe', specs: TopicSpec[]): void {
    const groups = new Map<string, { channels: Set<Channel>; symbol: string; interval?: Interval }>();
    for (const s of specs) {
      const key = `${s.symbol}|${s.channel === 'candles' ? (s.interval ?? '5m') : ''}`;
      const g = groups.get(key) ?? { channels: new Set<Channel>(), symbol: s.symbol, interval: s.channel === 'candles' ? s.interval : undefined };
      g.channels.add(s.channel);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      const msg: Subscribe | Unsubscribe = { type, channels: [...g.channels], symbols: [g.symbol] };
      if (g.interval) msg.intervals = [g.interval];
      this.socket.emit(type, msg);
    }
  }

  private dispatch(raw: unknown): void {
    const parsed = MarketMessage.safeParse(raw);
    if (!parsed.success) {
      console.warn('unreadable realtime message', raw);
      return;
    }
    const msg = parsed.data;
    const topic = topicName(
      msg.type === 'CandlestickUpdate'
        ? { channel: 'candles', symbol: msg.symbol, interval: msg.interval }
        : { channel: channelOf(msg.type), symbol: msg.symbol },
    );
    const entry = this.topics.get(topic);
    if (!entry) return; // a late message for a topic this page has just left
    const { sequence, prev_sequence: prev } = msg;
    if (sequence !== undefined && entry.lastSeq !== undefined) {
      // Older than what this topic already showed (a state read that lost a race with live data).
      if (sequence < entry.lastSeq && msg.type !== 'CandlestickUpdate') return;
      // prev_sequence 0 starts the chain (state on subscribe); otherwise it must be the last one seen.
      if (prev !== undefined && prev !== 0 && prev !== entry.lastSeq && sequence > entry.lastSeq) {
        this.notify(topic, (h) => h.onGap?.(topic));
      }
    }
    if (sequence !== undefined && (entry.lastSeq === undefined || sequence > entry.lastSeq)) entry.lastSeq = sequence;
    this.notify(topic, (h) => h.onMessage(msg));
  }

  /** Calls every handler of `topic`; one failing consumer must not starve the others. */
  private notify(topic: string, call: (h: FeedHandlers) => void): void {
    for (const reg of this.registrations) {
      if (!reg.topics.has(topic)) continue;
      try {
        call(reg.handlers);
      } catch (e) {
        console.error(`handler of ${topic} failed`, e);
      }
    }
  }
}

function channelOf(type: 'Execution' | 'OrderBookUpdate' | 'MarketStatistics'): Channel {
  switch (type) {
    case 'Execution':
      return 'executions';
    case 'OrderBookUpdate':
      return 'orderbook';
    case 'MarketStatistics':
      return 'statistics';
    default: {
      const never: never = type;
      throw new Error(`unknown message ${String(never)}`);
    }
  }
}
