import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  channelOfTopic,
  ClientMessage,
  compareStreamIds,
  isXtError,
  PRIVATE_CHANNELS,
  privateChannelOf,
  symbolOfTopic,
  type Auth,
  type PrivateChannel,
  type PrivateMessage,
  type Subscribe,
  type Unsubscribe,
} from '@xtrader/protocol';
import type { Logger } from '@xtrader/platform';
import type { ConnectionAuth } from './connection-auth';
import type { CurrentState, CurrentSymbolState } from './current-state';
import type { Hub, Subscriber } from './hub';
import type { DropReason, RealtimeMetrics, TransportName } from './metrics';
import { Outbox, type Sink } from './outbox';
import { Outgoing } from './outgoing';
import type { PrivateRouter, PrivateSubscriber } from './private-router';
import { resolveSubscription } from './subscriptions';

/** A client connection as the session sees it, whatever the transport. */
export interface ClientTransport extends Sink {
  readonly kind: TransportName;
  /** Mirrors a subscription as a socket.io room (no-op on /ws). */
  join(topic: string): void;
  leave(topic: string): void;
  /** Sends `last` ahead of anything waiting, then closes; destroys the socket after a grace period. */
  close(last: Outgoing | null, reason: string): void;
}

export interface SessionDeps {
  hub: Hub;
  state: CurrentState;
  symbols: readonly string[];
  queueLimit: number;
  /** Subscribe, Unsubscribe and Auth messages this connection may send per second. */
  subscribesPerSecond: number;
  metrics: RealtimeMetrics;
  log: Logger;
  /** Checks Auth credentials. */
  auth: ConnectionAuth;
  /** This node's connections per account (private channels). */
  privates: PrivateRouter;
  /** Called once when the session ends, for whatever reason. */
  onEnd(session: Session): void;
}

/** Whole-state messages: a newer one makes a waiting older one useless. */
const CONFLATED_TYPES = new Set(['OrderBookUpdate', 'MarketStatistics']);
const PRIVATE: ReadonlySet<string> = new Set(PRIVATE_CHANNELS);
const CLIENT_TYPES = ['Subscribe', 'Unsubscribe', 'Pong', 'Ping', 'Auth'];

type Reply = Record<string, unknown>;

/**
 * One connected client: its subscriptions, its bounded outbox, and the realtime protocol (docs/protocol.md)
 * (Subscribe / Unsubscribe / Pong in, Connected / SubscribeSuccess / Error / state / live out).
 * Transport-independent: /ws and socket.io both drive it.
 */
export class Session implements Subscriber, PrivateSubscriber {
  readonly id = randomUUID();
  readonly outbox: Outbox;
  /** Last Pong (or connect) time, for the /ws heartbeat. */
  lastPongAt = Date.now();
  nextPingAt: number;
  private readonly topics = new Set<string>();
  /** Per topic: feed entries up to this id are already contained in the state sent. */
  private readonly floors = new Map<string, string>();
  /** Per topic: the hold waiting for its state (a newer subscribe replaces it). */
  private readonly holds = new Map<string, object>();
  private ended = false;
  /** The current one-second window of Subscribe, Unsubscribe and Auth messages. */
  private windowStart = 0;
  private inWindow = 0;
  /** The account this connection authenticated as, and with what. */
  private account?: string;
  private credential?: Auth;
  /**
   * Set while an Auth is being checked: Auth, Subscribe and Unsubscribe wait for it, in the order
   * they came, so a client may subscribe right after Auth (or a handshake with credentials).
   */
  private inFlight?: Promise<unknown>;
  private readonly privateChannels = new Set<PrivateChannel>();
  /** Symbols that orders and fills are filtered to (null: all). */
  private privateSymbols: ReadonlySet<string> | null = null;

  constructor(
    readonly transport: ClientTransport,
    private readonly deps: SessionDeps,
    pingIntervalMs: number,
  ) {
    this.outbox = new Outbox(transport, deps.queueLimit, () =>
      this.drop('SLOW_CONSUMER', `more than ${deps.queueLimit} messages waiting: the connection does not keep up`),
    );
    this.nextPingAt = Date.now() + pingIntervalMs;
  }

  /** The account this connection is authenticated as, if any. */
  get accountId(): string | undefined {
    return this.account;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Greets the client. */
  start(): void {
    this.send({ type: 'Connected', client_id: this.id, server_time: Date.now() });
  }

  /** Queues a message for this client only. */
  send(message: { type: string; [k: string]: unknown }): void {
    this.outbox.push(new Outgoing(message));
  }

  /** A text frame from /ws. */
  handleText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.error('INVALID_MESSAGE', 'not JSON: send one JSON object per frame');
      return;
    }
    this.handle(value);
  }

  /** A decoded client message; returns the reply, if any (socket.io acks it). */
  handle(value: unknown): Reply | Promise<Reply> | undefined {
    if (this.ended) return undefined;
    const parsed = ClientMessage.safeParse(value);
    if (!parsed.success) {
      const type = (value as { type?: unknown } | null)?.type;
      return this.error(
        'INVALID_MESSAGE',
        typeof type === 'string' && CLIENT_TYPES.includes(type)
          ? `invalid ${type}: ${z.prettifyError(parsed.error)}`
          : `unknown message type ${JSON.stringify(type ?? null)} (expected ${CLIENT_TYPES.join(', ')})`,
      );
    }
    const msg = parsed.data;
    // Auth shares the budget: each one costs a Redis lookup and an HMAC.
    if ((msg.type === 'Subscribe' || msg.type === 'Unsubscribe' || msg.type === 'Auth') && !this.withinSubscribeBudget()) {
      return this.error('RATE_LIMITED', `more than ${this.deps.subscribesPerSecond} Subscribe/Unsubscribe messages per second (Auth counts too): ${msg.type} ignored, retry in a second`);
    }
    switch (msg.type) {
      case 'Auth':
        return this.inTurn(() => this.checkAuth(msg));
      case 'Subscribe':
        return this.inTurn(() => this.subscribe(msg));
      case 'Unsubscribe':
        return this.inTurn(() => this.unsubscribe(msg));
      case 'Pong':
        this.lastPongAt = Date.now();
        return undefined;
      case 'Ping': {
        const reply = { type: 'Pong', timestamp: msg.timestamp ?? Date.now() };
        this.send(reply);
        return reply;
      }
      default: {
        const never: never = msg;
        return this.error('INVALID_MESSAGE', `unhandled ${(never as { type: string }).type}`);
      }
    }
  }

  /** A market message from the feed for a topic this session follows. */
  offer(topic: string, out: Outgoing, conflate: boolean): void {
    const floor = this.floors.get(topic);
    if (floor !== undefined && out.id !== undefined) {
      if (compareStreamIds(out.id, floor) <= 0) return;
      this.floors.delete(topic);
    }
    this.outbox.push(out, topic, conflate);
  }

  /**
   * Checks credentials and, when they hold, makes this the account's connection: AuthSuccess, or
   * Error UNAUTHENTICATED (SERVICE_UNAVAILABLE when the account store cannot answer). A refused
   * Auth changes nothing; a later one replaces an earlier one.
   */
  authenticate(auth: Auth): Promise<Reply> {
    return Promise.resolve(this.inTurn(() => this.checkAuth(auth)));
  }

  /** Runs `f` now, or after the Auth (and whatever queued behind it) when one is being checked. */
  private inTurn(f: () => Reply | Promise<Reply>): Reply | Promise<Reply> {
    const before = this.inFlight;
    const result = before ? before.then(() => (this.ended ? { type: 'Error', code: 'CLOSED', message: 'connection closed' } : f())) : f();
    if (result instanceof Promise) {
      const done = result.catch(() => undefined);
      this.inFlight = done;
      void done.then(() => {
        if (this.inFlight === done) this.inFlight = undefined;
      });
    }
    return result;
  }

  private async checkAuth(auth: Auth): Promise<Reply> {
    let accountId: string;
    try {
      accountId = await this.deps.auth.verify(auth);
    } catch (e) {
      if (this.ended) return { type: 'Error', code: 'UNAUTHENTICATED', message: 'connection closed' };
      const unavailable = isXtError(e) && e.code === 'SERVICE_UNAVAILABLE';
      if (!isXtError(e)) this.deps.log.warn('connection auth failed', { client_id: this.id, error: String(e) });
      return this.error(unavailable ? 'SERVICE_UNAVAILABLE' : 'UNAUTHENTICATED', isXtError(e) ? e.message : 'credentials could not be checked');
    }
    const reply = { type: 'AuthSuccess', account_id: accountId };
    if (this.ended) return reply;
    if (this.account !== accountId && this.privateChannels.size > 0) {
      if (this.account !== undefined) this.deps.privates.leave(this, this.account);
      this.deps.privates.join(this, accountId);
    }
    this.account = accountId;
    this.credential = auth;
    this.send(reply);
    return reply;
  }

  /**
   * Asks again whether the credentials this connection authenticated with still hold (a logout,
   * an expired session or a revoked key ends them on every node). When they do not, the private
   * channels stop at once and the client is told; public channels carry on. A store that cannot
   * answer changes nothing.
   */
  async recheck(): Promise<void> {
    const credential = this.credential;
    if (credential === undefined || this.ended) return;
    let live: boolean;
    try {
      live = await this.deps.auth.isLive(credential);
    } catch {
      return;
    }
    if (live || this.ended || this.credential !== credential) return;
    if (this.account !== undefined && this.privateChannels.size > 0) this.deps.privates.leave(this, this.account);
    this.privateChannels.clear();
    this.privateSymbols = null;
    this.account = undefined;
    this.credential = undefined;
    this.error('UNAUTHENTICATED', 'the session ended (logged out or expired) or the API key was revoked: private channels stopped; send Auth again');
  }

  /** A private message of this session's account: kept if it follows that channel (and symbol). */
  offerPrivate(out: Outgoing): void {
    const m = out.message as PrivateMessage;
    const channel = privateChannelOf(m.type);
    if (!this.privateChannels.has(channel)) return;
    if (this.privateSymbols !== null && m.type !== 'BalanceUpdate') {
      const symbol = m.type === 'OrderUpdate' ? m.order.symbol : m.symbol;
      if (!this.privateSymbols.has(symbol)) return;
    }
    this.outbox.push(out);
  }

  /** Sends an Error and closes the connection (slow consumer, heartbeat timeout). */
  drop(reason: DropReason, message: string): void {
    if (this.ended) return;
    this.deps.metrics.drops.inc({ transport: this.transport.kind, reason });
    this.deps.log.info('dropping client', { client_id: this.id, transport: this.transport.kind, reason });
    const last = new Outgoing({ type: 'Error', code: reason, message });
    this.end();
    this.transport.close(last, reason);
  }

  /** The transport closed (or we closed it): forget every subscription and free the queue. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const topic of this.topics) this.deps.hub.remove(topic, this);
    this.topics.clear();
    if (this.account !== undefined && this.privateChannels.size > 0) this.deps.privates.leave(this, this.account);
    this.privateChannels.clear();
    this.floors.clear();
    this.holds.clear();
    this.deps.metrics.conflated.inc(this.outbox.conflated);
    this.outbox.close();
    this.deps.onEnd(this);
  }

  /** Waiting messages: ours plus what the transport holds. */
  queueDepth(): number {
    return this.outbox.depth + this.transport.buffered();
  }

  /** Splits a request's channels into public ones (per symbol) and the account's private ones. */
  private splitChannels(req: Subscribe | Unsubscribe): { pub: Subscribe['channels'] | null; priv: PrivateChannel[] } {
    if (req.channels === 'all' || req.channels.includes('all')) return { pub: req.channels, priv: [] };
    const priv = [...new Set(req.channels.filter((c) => PRIVATE.has(c)))] as PrivateChannel[];
    const pub = req.channels.filter((c) => !PRIVATE.has(c));
    return { pub: pub.length > 0 ? pub : null, priv };
  }

  /** The symbols filter of a private subscribe (null: all), or an error message. */
  private privateFilter(symbols: Subscribe['symbols']): { ok: true; value: ReadonlySet<string> | null } | { ok: false; message: string } {
    if (symbols === undefined || symbols === 'all' || symbols.includes('all')) return { ok: true, value: null };
    const unknown = symbols.filter((x) => !this.deps.symbols.includes(x));
    if (unknown.length > 0) return { ok: false, message: `unknown symbol${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (expected ${this.deps.symbols.join(', ')} or all)` };
    return { ok: true, value: new Set(symbols) };
  }

  private subscribe(req: Subscribe): Reply {
    const { pub, priv } = this.splitChannels(req);
    let filter: ReadonlySet<string> | null = null;
    if (priv.length > 0) {
      if (this.account === undefined) return this.error('UNAUTHENTICATED', `${priv.join(', ')} ${priv.length > 1 ? 'are' : 'is'} private: send Auth first (a session token or a signed API key)`);
      const f = this.privateFilter(req.symbols);
      if (!f.ok) return this.error('SUBSCRIPTION_FAILED', f.message);
      filter = f.value;
    }
    const r = pub === null ? null : resolveSubscription('Subscribe', { ...req, channels: pub }, this.deps.symbols, this.currentSymbols());
    if (r && !r.ok) return this.error('SUBSCRIPTION_FAILED', r.message);
    if (priv.length > 0) {
      if (this.privateChannels.size === 0) this.deps.privates.join(this, this.account!);
      for (const c of priv) this.privateChannels.add(c);
      this.privateSymbols = filter;
    }
    const { topics, channels, symbols, intervals } = r?.value ?? { topics: [], channels: [], symbols: filter === null ? undefined : [...filter], intervals: [] };
    const reply = { type: 'SubscribeSuccess', channels: [...channels, ...priv], ...(symbols ? { symbols } : {}), ...(intervals.length ? { intervals } : {}) };
    this.send(reply);
    const needState = new Map<string, string[]>();
    for (const topic of topics) {
      if (this.topics.has(topic)) continue;
      this.topics.add(topic);
      this.deps.hub.add(topic, this);
      this.transport.join(topic);
      if (channelOfTopic(topic) === 'executions') continue;
      this.outbox.hold(topic);
      const symbol = symbolOfTopic(topic);
      needState.set(symbol, [...(needState.get(symbol) ?? []), topic]);
    }
    for (const [symbol, held] of needState) {
      const tokens = held.map((topic) => {
        const token = {};
        this.holds.set(topic, token);
        return token;
      });
      this.deps.state.request(symbol).then(
        (state) => held.forEach((topic, i) => this.applyState(topic, tokens[i], state)),
        (e: unknown) => {
          this.deps.log.warn('current state unavailable', { symbol, error: String(e) });
          held.forEach((topic, i) => this.applyState(topic, tokens[i], null));
          this.error('SERVICE_UNAVAILABLE', `current state of ${symbol} is unavailable; live updates follow`);
        },
      );
    }
    return reply;
  }

  private applyState(topic: string, token: object, state: CurrentSymbolState | null): void {
    if (this.ended || this.holds.get(topic) !== token) return;
    this.holds.delete(topic);
    const message = state?.messages.get(topic) ?? null;
    // Without a state message (nothing stored yet), every live message counts.
    const lastId = message ? (state?.lastId ?? null) : null;
    if (lastId !== null) this.floors.set(topic, lastId);
    this.outbox.resolve(topic, message, (out) => (lastId === null || out.id === undefined ? true : compareStreamIds(out.id, lastId) > 0));
  }

  private unsubscribe(req: Unsubscribe): Reply {
    const { pub, priv } = this.splitChannels(req);
    const r = pub === null ? null : resolveSubscription('Unsubscribe', { ...req, channels: pub }, this.deps.symbols, this.currentSymbols());
    if (r && !r.ok) return this.error('SUBSCRIPTION_FAILED', r.message);
    if (priv.length > 0 && this.privateChannels.size > 0) {
      for (const c of priv) this.privateChannels.delete(c);
      if (this.privateChannels.size === 0) {
        this.deps.privates.leave(this, this.account!);
        this.privateSymbols = null;
      }
    }
    const { topics, channels, symbols, intervals } = r?.value ?? { topics: [], channels: [], symbols: undefined, intervals: [] };
    for (const topic of topics) {
      if (!this.topics.delete(topic)) continue;
      this.deps.hub.remove(topic, this);
      this.transport.leave(topic);
      this.floors.delete(topic);
      this.holds.delete(topic);
      this.outbox.discard(topic);
    }
    const reply = { type: 'UnsubscribeSuccess', channels: [...channels, ...priv], ...(symbols ? { symbols } : {}), ...(intervals.length ? { intervals } : {}) };
    this.send(reply);
    return reply;
  }

  /** Counts one Subscribe, Unsubscribe or Auth in a fixed one-second window; false past the budget. */
  private withinSubscribeBudget(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= this.deps.subscribesPerSecond;
  }

  private currentSymbols(): string[] {
    return [...new Set([...this.topics].map(symbolOfTopic))];
  }

  private error(code: string, message: string): Reply {
    const msg = { type: 'Error', code, message };
    this.send(msg);
    return msg;
  }

  /** Whether a market message of this type conflates. */
  static conflates(type: string): boolean {
    return CONFLATED_TYPES.has(type);
  }
}
