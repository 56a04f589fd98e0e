import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { RedisServer } from './redis-server';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries (3: the fewest `redis-cli --cluster create` accepts). */
  primaries?: number;
  /** Replicas of each primary (1). */
  replicasPerPrimary?: number;
  /** Each node keeps an append-only file, fsynced on every write. */
  appendOnly?: boolean;
  /**
   * `cluster-node-timeout` (ms, 2000): how long a primary may be unreachable before its replica
   * is promoted. Redis's own default (15 s) would make failover drills slow.
   */
  nodeTimeoutMs?: number;
  binary?: string;
  cliBinary?: string;
}

/** One node as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** The primary's id, for a replica. */
  primaryId?: string;
  /** Slot ranges `[from, to]` served (primaries). */
  slots: [number, number][];
  failed: boolean;
}

/**
 * A real Redis Cluster on loopback, for tests, the launcher and failover drills: `primaries`
 * `redis-server --cluster-enabled yes` processes plus their replicas, joined with
 * `redis-cli --cluster create`, ready once every node reports `cluster_state:ok` and knows every
 * other node. Each node is a {@link RedisServer} (its own data directory, dies with this process).
 */
export class RedisCluster {
  private constructor(
    readonly servers: RedisServer[],
    private readonly opts: RedisClusterOptions,
  ) {}

  static async launch(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
    const primaries = opts.primaries ?? 3;
    const replicas = opts.replicasPerPrimary ?? 1;
    const count = primaries * (1 + replicas);
    const servers: RedisServer[] = [];
    const cluster = new RedisCluster(servers, opts);
    try {
      // Each node picks its own port (and picks again if it is taken before it binds it).
      for (let i = 0; i < count; i++) {
        servers.push(
          await RedisServer.launch({
            appendOnly: opts.appendOnly,
            binary: opts.binary,
            extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2000)],
          }),
        );
      }
      // redis-cli makes the first `primaries` addresses primaries and spreads the 16384 slots over them.
      await run(opts.cliBinary ?? 'redis-cli', ['--cluster', 'create', ...cluster.addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });
      await cluster.waitHealthy();
      return cluster;
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
  }

  /** `127.0.0.1:<port>` of every node, primaries first as created. */
  get addresses(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.port}`);
  }

  /** The value of `REDIS_CLUSTER_NODES` that reaches this cluster. */
  get nodesSetting(): string {
    return this.addresses.join(',');
  }

  /** Seed nodes for an ioredis `Cluster`. */
  get seeds(): { host: string; port: number }[] {
    return this.servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  /** A plain client for tests (reads from primaries). */
  client(): Cluster {
    return new Cluster(this.seeds, { scaleReads: 'master', redisOptions: { maxRetriesPerRequest: 1 } });
  }

  /** The server on `port`. */
  server(port: number): RedisServer {
    const s = this.servers.find((x) => x.port === port);
    if (!s) throw new Error(`no cluster node on port ${port}`);
    return s;
  }

  /** `CLUSTER NODES` as one running node sees it. */
  async nodes(): Promise<ClusterNodeInfo[]> {
    for (const s of this.servers) {
      try {
        return parseClusterNodes(await this.ask(s.port, 'CLUSTER', 'NODES'));
      } catch {
        // that node is down (a drill killed it): ask the next one
      }
    }
    throw new Error('no cluster node answers');
  }

  /** The ports of the nodes serving slots now, i.e. the primaries. */
  async primaryPorts(): Promise<number[]> {
    return (await this.nodes()).filter((n) => n.role === 'master' && !n.failed && n.slots.length > 0).map((n) => n.port);
  }

  /**
   * Until every running node says `cluster_state:ok`, knows all nodes of the cluster, sees every
   * other running node as a primary serving slots or a replica of one, and agrees with the others
   * on which primaries serve which slots (after a failover, the survivors must have seen the
   * promotion); and every replica's link to its primary is up (so `WAIT` can be answered).
   */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'the Redis Cluster to be healthy on every node',
      async () => {
        const running = new Set(this.servers.filter((s) => s.running).map((s) => s.port));
        const views: string[] = [];
        for (const port of running) {
          if (!/cluster_state:ok/.test(await this.ask(port, 'CLUSTER', 'INFO'))) return false;
          const nodes = parseClusterNodes(await this.ask(port, 'CLUSTER', 'NODES'));
          if (nodes.length !== this.servers.length) return false;
          const live = nodes.filter((n) => running.has(n.port));
          if (live.some((n) => n.failed || (n.role === 'master' ? n.slots.length === 0 : !n.primaryId))) return false;
          const me = nodes.find((n) => n.port === port);
          if (me?.role === 'slave' && !/master_link_status:up/.test(await this.ask(port, 'INFO', 'replication'))) return false;
          views.push(
            live
              .filter((n) => n.role === 'master')
              .map((n) => `${n.port}:${n.slots.map((r) => r.join('-')).join(',')}`)
              .sort()
              .join(' '),
          );
        }
        return views.length > 0 && views.every((v) => v === views[0]);
      },
      { timeoutMs },
    );
  }

  /** Stop every node and remove their data directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.destroy()));
  }

  private async ask(port: number, ...args: string[]): Promise<string> {
    const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return String(await client.call(args[0], ...args.slice(1)));
    } finally {
      client.disconnect();
    }
  }
}

/** Parses `CLUSTER NODES` output (one line per node: id addr flags primary ping pong epoch link slots...). */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((line) => {
      const [id, addr, flags, primary, , , , , ...slots] = line.split(' ');
      const flagSet = new Set(flags.split(','));
      return {
        id,
        port: Number(addr.slice(addr.lastIndexOf(':') + 1).split('@')[0]),
        role: flagSet.has('master') ? ('master' as const) : ('slave' as const),
        primaryId: primary === '-' ? undefined : primary,
        slots: slots.filter((r) => !r.startsWith('[')).map((r) => {
          const [from, to] = r.split('-').map(Number);
          return [from, to ?? from] as [number, number];
        }),
        failed: flagSet.has('fail') || flagSet.has('fail?'),
      };
    });
}
