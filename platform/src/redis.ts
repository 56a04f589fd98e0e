import Redis, { Cluster, type ChainableCommander, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Where Redis is: one server's URL (`REDIS_URL`), or a Redis Cluster's seed nodes
 * (`REDIS_CLUSTER_NODES`; any reachable ones will do, the client learns the rest).
 */
export type RedisTarget = string | { readonly clusterNodes: readonly { readonly host: string; readonly port: number }[] };

/** A client of either kind: both have the same commands, scripts, pipelines and MULTI. */
export type RedisClient = Redis | Cluster;

/** The target the environment names: `REDIS_CLUSTER_NODES` when set, else `REDIS_URL`. */
export function redisTarget(env: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string }): RedisTarget {
  return env.REDIS_CLUSTER_NODES ? { clusterNodes: parseNodeList(env.REDIS_CLUSTER_NODES) } : env.REDIS_URL;
}

/** `host:port,host:port,...` -> nodes; throws on anything else. */
export function parseNodeList(list: string): { host: string; port: number }[] {
  return list.split(',').map((item) => {
    const m = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(item);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new Error(`not host:port: "${item}" (REDIS_CLUSTER_NODES is a comma-separated list of host:port)`);
    return { host: m[1], port };
  });
}

/** How a target is shown in logs: the URL, or the cluster's seed nodes. */
export function describeRedisTarget(target: RedisTarget): string {
  return typeof target === 'string' ? target : `cluster ${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** Options of a client that are the cluster's own, not each node connection's. */
const CLUSTER_LEVEL = ['enableOfflineQueue', 'enableAutoPipelining', 'lazyConnect'] as const;

/**
 * The one place that decides how xTrader talks to Redis: reconnect forever with a capped
 * backoff, legacy (RESP2-shaped) replies, and fail fast (rather than queue) while disconnected so that an
 * api node answers 503 at once instead of hanging a client.
 *
 * Use separate clients for commands, subscriptions and blocking reads (`role` only names them in
 * logs and CLIENT LIST). On a cluster a client holds one connection per node, so a blocking read
 * blocks only the node it waits on, and its other commands still must not share the client.
 */
export function createRedis(target: string, role: string, overrides?: RedisOptions): Redis;
export function createRedis(target: RedisTarget, role: string, overrides?: RedisOptions, cluster?: ClusterOptions): RedisClient;
export function createRedis(target: RedisTarget, role: string, overrides: RedisOptions = {}, cluster: ClusterOptions = {}): RedisClient {
  const options: RedisOptions = {
    connectionName: `xt-${role}`,
    // ioredis 6 speaks RESP3; 'legacy' keeps the RESP2 shapes (arrays for XREAD, HGETALL...).
    replyMapping: 'legacy',
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
    lazyConnect: false,
    ...overrides,
  };
  const client = typeof target === 'string' ? new Redis(target, options) : new Cluster([...target.clusterNodes], { ...clusterOptions(options), ...cluster });
  // Without a listener ioredis prints every reconnect error; the owner decides what to log.
  client.on('error', () => {});
  return client;
}

/**
 * The cluster client for connection options `options`. Reads and writes go to primaries (a
 * replica may lag: an order just accepted could read as missing). A client that must not send
 * a command twice ({@link WRITE_ONCE_OPTIONS}) is also not retried by the cluster after a closed
 * connection (`retryDelayOnFailover: 0`): whether it ran is unknown. Redirections (MOVED, ASK,
 * TRYAGAIN, CLUSTERDOWN) are retried: the node refused the command, so it did not run.
 */
function clusterOptions(options: RedisOptions): ClusterOptions {
  const nodeOptions: RedisOptions = { ...options };
  for (const k of CLUSTER_LEVEL) delete nodeOptions[k];
  const writeOnce = options.autoResendUnfulfilledCommands === false;
  return {
    scaleReads: 'master',
    redisOptions: nodeOptions,
    enableOfflineQueue: options.enableOfflineQueue,
    enableAutoPipelining: options.enableAutoPipelining,
    lazyConnect: options.lazyConnect,
    clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    retryDelayOnFailover: writeOnce ? 0 : 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    // A failover takes cluster-node-timeout plus an election: redirect-and-retry for that long.
    maxRedirections: 64,
  };
}

/**
 * Cluster options of a client that subscribes to shard channels (SSUBSCRIBE): one subscriber
 * connection per primary, each channel on the node serving its slot. Only such clients pay for
 * those connections.
 */
export const SHARDED_SUBSCRIBER: ClusterOptions = { shardedSubscribers: true };

/** Options for clients that block (XREAD BLOCK, BullMQ workers): never give up a request. */
export const BLOCKING_OPTIONS: RedisOptions = { maxRetriesPerRequest: null };

/**
 * Options for clients that write what must not happen twice (order appends): a command whose
 * connection closed before its reply came may or may not have run, so it is failed at once
 * (the caller tells its client the outcome is unknown) instead of being sent again after the
 * reconnect, and nothing waits in an offline queue.
 */
export const WRITE_ONCE_OPTIONS: RedisOptions = {
  autoResendUnfulfilledCommands: false,
  // 0: every close fails what is in flight (with 1, the first close after a healthy spell keeps it).
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
};

/** Whether `client` talks to a Redis Cluster. */
/**
 * Resolves once `client` is connected. Clients made by {@link createRedis} fail commands fast
 * while disconnected instead of queueing them, so a process's first command waits for this.
 */
export function whenReady(client: RedisClient): Promise<void> {
  return client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()));
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * A pipeline over several slots (one command or more per item, e.g. per symbol), with the
 * replies of `exec` (`[error, value]` per command, in order). On one server it is one pipeline,
 * one round trip. A cluster refuses a pipeline whose keys live on different nodes, so there each
 * item's commands are a pipeline of their own (one slot), all sent at once; the commands of one
 * item must therefore share a hash tag.
 */
export async function pipelineEach<T>(client: RedisClient, items: readonly T[], add: (p: ChainableCommander, item: T) => void): Promise<[Error | null, unknown][]> {
  if (!isCluster(client)) {
    const p = client.pipeline();
    for (const item of items) add(p, item);
    return (await p.exec()) ?? [];
  }
  const parts = await Promise.all(
    items.map(async (item) => {
      const p = client.pipeline();
      add(p, item);
      return (await p.exec()) ?? [];
    }),
  );
  return parts.flat();
}

/**
 * WAIT `replicas` `timeoutMs` on the node serving `key`, on `client`'s connection to it: how many
 * replicas have acknowledged every write this client sent that node so far (e.g. the append it
 * just made). WAIT names no key, so a cluster client would send it to any node; riding in a
 * pipeline behind a command on `key` takes it to that key's node.
 */
export async function waitForReplicas(client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  const replies = (await client.pipeline().exists(key).wait(replicas, timeoutMs).exec()) ?? [];
  const [err, acked] = replies[1] ?? [new Error('no answer to WAIT')];
  if (err) throw err;
  return Number(acked);
}

/** Thrown by {@link withDeadline} when Redis did not answer in time. */
export class RedisDeadlineError extends Error {
  override readonly name = 'RedisDeadlineError';
}

/**
 * Settles like `reply`, or rejects once Redis has been silent for `ms` and drops `client`'s
 * connection (it reconnects at once). Seen here: a command in flight when the server went away
 * can stay unanswered forever, even after ioredis has reconnected; and a reply that never comes
 * would pair every later reply on that connection with the wrong command, so the connection is
 * replaced, not reused.
 *
 * Silent means silent as this process can tell: a long synchronous stretch of this process's own
 * work (applying or encoding a huge book) makes the timer fire late, after a reply that came
 * meanwhile is already waiting in the socket, and timers run before sockets are read. So when the
 * timer fires, the verdict waits for the next turn of the loop, after the sockets have been read;
 * and if bytes came from Redis since the deadline was set (a reply larger than the socket holds
 * arrives in parts, or replies to commands sent before this one), Redis is answering: the
 * deadline starts again from then.
 */
export function withDeadline<T>(client: RedisClient, reply: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let heard = bytesHeard(client);
    const judge = () => {
      if (done) return;
      const now = bytesHeard(client);
      if (heardMore(heard, now)) {
        heard = now;
        timer = setTimeout(() => setImmediate(judge), ms);
        return;
      }
      done = true;
      client.disconnect(true);
      reject(new RedisDeadlineError(`${what}: no answer from Redis within ${ms} ms; reconnecting`));
    };
    const settle = (finish: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      finish();
    };
    reply.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    );
    timer = setTimeout(() => setImmediate(judge), ms);
  });
}

/** Bytes read so far on each of `client`'s connections (one per node on a cluster). */
function bytesHeard(client: RedisClient): Map<object, number> {
  const heard = new Map<object, number>();
  for (const node of isCluster(client) ? client.nodes() : [client]) {
    // Absent until the node's first connect.
    const stream = node.stream as { bytesRead?: number } | undefined;
    if (stream) heard.set(stream, stream.bytesRead ?? 0);
  }
  return heard;
}

/**
 * Whether a connection that was there `before` has read more bytes `now`, none having been
 * replaced meanwhile: what was in flight on a closed connection may never be answered.
 */
function heardMore(before: Map<object, number>, now: Map<object, number>): boolean {
  for (const stream of before.keys()) if (!now.has(stream)) return false;
  for (const [stream, bytes] of now) if (bytes > (before.get(stream) ?? Infinity)) return true;
  return false;
}
