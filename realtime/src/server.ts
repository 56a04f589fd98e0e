import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { entryField, FIELDS, MarketMessage, socketIoChannelPrefix, streamIdTime, symbolKeys, topicOf } from '@xtrader/protocol';
import { BLOCKING_OPTIONS, createLogger, createRedis, CredentialReader, httpServerOptions, SHARDED_SUBSCRIBER, type Logger } from '@xtrader/platform';
import { ConnectionAuthenticator } from './connection-auth';
import { ConnectionGate, refuseUpgrade } from './connection-gate';
import { CurrentState } from './current-state';
import { FeedReaders, type FeedEntry } from './feed-reader';
import { createHttpApp } from './http-app';
import { Hub } from './hub';
import { RealtimeMetrics } from './metrics';
import { resolveOptions, type RealtimeOptions } from './options';
import { Outgoing } from './outgoing';
import { PrivateRouter, privateRoutingAdapter } from './private-router';
import { Session } from './session';
import { SocketIoGateway } from './socketio-gateway';
import { WriteBatch } from './write-batch';
import { WsGateway } from './ws-gateway';

/** A running realtime node. */
export interface RealtimeNode {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  readonly metrics: RealtimeMetrics;
  readonly hub: Hub;
  /** This node's connections per account. */
  readonly privates: PrivateRouter;
  readonly io: SocketIoGateway['io'];
  /** Closes clients, stops reading the feed, releases Redis. */
  close(): Promise<void>;
}

/**
 * Starts one realtime node: HTTP (web page, /config.json, /healthz, /metrics), socket.io with
 * the sharded Redis adapter, and /ws, all fed by this node's own reader of every symbol's feed
 * stream. Any number of nodes can run on one Redis; each delivers every message to its own
 * clients, in stream order.
 */
export async function startRealtime(options: RealtimeOptions): Promise<RealtimeNode> {
  const o = resolveOptions(options);
  const log: Logger = createLogger('realtime', o.logLevel);
  const commands = createRedis(o.redisUrl, 'realtime-cmd');
  const pub = createRedis(o.redisUrl, 'realtime-adapter-pub');
  const sub = createRedis(o.redisUrl, 'realtime-adapter-sub', BLOCKING_OPTIONS, SHARDED_SUBSCRIBER);

  const hub = new Hub();
  const state = new CurrentState(commands, o.prefix);
  let ws: WsGateway | undefined;
  let sio: SocketIoGateway | undefined;
  const privates = new PrivateRouter();
  const metrics = new RealtimeMetrics({
    privates: () => ({ accounts: privates.accountCount, routed: privates.routed, malformed: privates.malformed }),
    connections: () => ({ ws: ws?.sessions.size ?? 0, 'socket.io': sio?.sessions.size ?? 0 }),
    subscriptions: () => hub.countByChannel(),
    queueDepths: () => [...(ws?.sessions ?? []), ...(sio?.sessions ?? [])].map((s) => s.queueDepth()),
  });

  const streams = new Map(o.symbols.map((s) => [symbolKeys(s, o.prefix).feed, s]));
  const batch = new WriteBatch();
  const deliver = (symbol: string, entries: FeedEntry[]) => {
    if (entries.length > 1) batch.during(() => publishEach(symbol, entries));
    else publishEach(symbol, entries);
  };
  const committedToRead = metrics.hop('committed_to_realtime_read');
  const readToSocket = (seconds: number) => metrics.hop('realtime_read_to_socket').observe(seconds);
  const publishEach = (symbol: string, entries: FeedEntry[]) => {
    for (const [id, fields] of entries) {
      const raw = entryField(fields, FIELDS.message);
      const parsed = raw === undefined ? undefined : safeJson(raw);
      const msg = parsed === undefined ? undefined : MarketMessage.safeParse(parsed);
      if (!msg?.success || msg.data.symbol !== symbol) {
        metrics.badFeedEntries.inc();
        log.warn('skipping feed entry that is not a market message', { symbol, id });
        continue;
      }
      // Clients get the entry exactly as the engine wrote it (parsed only to route it).
      const out = new Outgoing(parsed as Outgoing['message'], id, raw);
      // The entry's stream id time is when the engine committed it.
      const readAt = Date.now();
      committedToRead.observe(Math.max(0, readAt - streamIdTime(id)) / 1000);
      out.timeFirstWrite(readAt, readToSocket);
      hub.publish(topicOf(msg.data), out, Session.conflates(msg.data.type));
      metrics.feedMessages.inc({ type: msg.data.type });
      metrics.feedLag.observe(Math.max(0, Date.now() - streamIdTime(id)) / 1000);
    }
  };
  const feed = new FeedReaders(o.redisUrl, streams, deliver, log, { count: o.feedBatch });

  const http = createServer(
    httpServerOptions(o.httpLimits),
    createHttpApp({
      webDist: o.webDist,
      publicApiUrl: o.publicApiUrl,
      publicApiPort: o.publicApiPort,
      publicSocketUrl: o.publicSocketUrl,
      registry: metrics.registry,
      health: () => ({ ok: commands.status === 'ready' && feed.status === 'ready', redis: commands.status, feed: feed.status }),
    }),
  );
  const gate = new ConnectionGate(o.connectionLimits);
  const auth = new ConnectionAuthenticator(new CredentialReader(commands, o.prefix, o.authCacheMs));
  const sessionDeps = { hub, state, symbols: o.symbols, queueLimit: o.queueLimit, subscribesPerSecond: o.connectionLimits.subscribesPerSecond, metrics, log, auth, privates };
  ws = new WsGateway(sessionDeps, {
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs,
    highWaterBytes: o.wsHighWaterBytes,
    closeGraceMs: o.closeGraceMs,
    batch,
  });
  sio = new SocketIoGateway(http, sessionDeps, {
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs,
    closeGraceMs: o.closeGraceMs,
    highWaterBytes: o.wsHighWaterBytes,
    batch,
    gate,
    adapter: privateRoutingAdapter(pub, sub, { channelPrefix: socketIoChannelPrefix(o.prefix) }, privates),
  });
  const wsGateway = ws;
  // Credentials end (logout, expiry, revoked key) while connections stay open: ask again now and then.
  const sioSessions = sio.sessions;
  const recheck = setInterval(() => {
    for (const s of [...wsGateway.sessions, ...sioSessions]) if (s.accountId !== undefined) void s.recheck();
  }, o.authRecheckMs);
  recheck.unref();
  http.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ws') {
      const refusal = gate.admit(req);
      if (refusal) refuseUpgrade(socket, refusal);
      else wsGateway.handleUpgrade(req, socket, head);
    } else if (!path.startsWith('/socket.io')) socket.destroy();
    // /socket.io upgrades belong to engine.io's own listener.
  });

  try {
    await feed.start();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(o.port, o.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    // Release what was opened so a failed start leaves nothing running.
    clearInterval(recheck);
    await feed.stop();
    ws.close();
    await sio.close().catch(() => undefined);
    commands.disconnect();
    pub.disconnect();
    sub.disconnect();
    metrics.close();
    throw e;
  }
  const port = (http.address() as AddressInfo).port;
  log.info('realtime node listening', { port, symbols: o.symbols, prefix: o.prefix });

  let closing: Promise<void> | undefined;
  const sioGateway = sio;
  return {
    port,
    metrics,
    hub,
    privates,
    io: sioGateway.io,
    close: () =>
      (closing ??= (async () => {
        clearInterval(recheck);
        await feed.stop();
        wsGateway.close();
        http.closeAllConnections();
        await sioGateway.close();
        await Promise.allSettled([commands.quit(), pub.quit(), sub.quit()]);
        metrics.close();
        log.info('realtime node closed', { port });
      })()),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
