import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRedis, freePort, RedisCluster, waitFor, type RedisClient, type RedisTarget } from '@xtrader/platform';
import { loadExchangeConfig } from '@xtrader/protocol/node';
import { ledgerShardKeys, symbolKeys } from '@xtrader/protocol';
import { LedgerEnv } from '../../ledger/src/env';
import { readSharedEnv } from './env-file';
import { ManagedProcess, type ProcessSpec, type StackProcess } from './managed-process';
import { ensureNginx, testNginxConfig, writeNginxConfig, type NginxLimits } from './nginx';
import { assertCompiled, ENTRY, nodeArgs, REPO_ROOT, runCompiled } from './paths';
import { httpOk } from './wait';

/**
 * V8 flags of engine processes. A bigger young generation: an engine allocates short-lived event
 * and command objects per batch, which the default 16 MB semi-space promotes and scavenges over and
 * over (`BENCH_PARTS=engine npm run bench:pipeline` on 2026-11-25, two alternating pairs: 36,325 vs
 * 32,694 and 32,246 vs 30,197 commands/s with 64 MB). docker-compose.yml passes the same flag.
 */
export const ENGINE_NODE_FLAGS = ['--max-semi-space-size=64'];

export type Role = 'redis' | 'engine' | 'ledger' | 'api' | 'realtime' | 'nginx';

/** One process of a running stack. */
export interface StackMember extends StackProcess {
  readonly role: Role;
  /** The symbol an engine runs. */
  readonly symbol?: string;
  /** The base URL of an api, realtime or nginx process. */
  readonly url?: string;
  /** Its Prometheus endpoint (api, realtime, engine, ledger). */
  readonly metricsUrl?: string;
  /** Output of this process (appended across restarts). */
  readonly logFile: string;
}

export interface StackOptions {
  /** api nodes (default 1; 0 for none). */
  apis?: number;
  /** realtime nodes (default 1; 0 for none). */
  realtimes?: number;
  /** Engine processes per symbol: 1, or 2 for an active engine plus a standby (default 1). */
  enginesPerSymbol?: number;
  /** Ledger writer processes, each serving every shard: 1, or 2 for a leader plus a standby per shard (default 1). */
  ledgerWriters?: number;
  /** Use this Redis (a URL, or a cluster's nodes) instead of spawning one. */
  redisUrl?: RedisTarget;
  /**
   * Spawn a real Redis Cluster (`RedisCluster`: 3 primaries + 3 replicas, fresh data directories)
   * instead of one Redis; every process gets its nodes in REDIS_CLUSTER_NODES.
   */
  redisCluster?: boolean;
  /** When spawning Redis: keep an append-only file, fsync on every write (default false). */
  appendOnly?: boolean;
  /** When spawning Redis: its data directory (default `<logDir>/redis`). */
  redisDir?: string;
  /** When spawning Redis: its port (default a free one). */
  redisPort?: number;
  /** Redis key prefix (default XT_PREFIX, else infra/xtrader.env, else `xt`). */
  prefix?: string;
  /** Symbols to run engines for (default every symbol of the symbols config). */
  symbols?: string[];
  /** Extra environment for every process (wins over the shared env file and process.env). */
  env?: Record<string, string>;
  /** Put nginx in front (the cluster topology); its URL is `nginxUrl`. */
  nginx?: boolean;
  /** Fixed ports; free ports are used for whatever is not given. */
  apiPorts?: number[];
  realtimePorts?: number[];
  nginxPort?: number;
  /** nginx's abuse bounds (default DEFAULT_NGINX_LIMITS). */
  nginxLimits?: Partial<NginxLimits>;
  /** Where output goes, one file per process (default a fresh temp directory). */
  logDir?: string;
  /** Copy every process's output to stderr with a name prefix (default false). */
  echo?: boolean;
  /** Restart a process that exits without being asked to, after `restartDelayMs` (default false). */
  restartOnCrash?: boolean;
  restartDelayMs?: number;
  /** How long each process may take to become ready (default 90 s). */
  readyTimeoutMs?: number;
  /**
   * Run the compiled processes (`node dist/...`, from `npm run build`) instead of the sources under
   * tsx (default: XT_COMPILED, else whether this launcher runs compiled).
   */
  compiled?: boolean;
}

/** A running set of xTrader processes. */
export interface Stack {
  /** The Redis every process uses: a URL, or the cluster's nodes. */
  redisUrl: RedisTarget;
  /** The Redis Cluster the stack started (`redisCluster: true`), for tests and drills. */
  redisCluster?: RedisCluster;
  prefix: string;
  /** Whether its processes run compiled (`node dist/...`) rather than under tsx. */
  compiled: boolean;
  symbols: string[];
  apiUrls: string[];
  realtimeUrls: string[];
  /** The load balancer's URL when started with `nginx: true`. */
  nginxUrl?: string;
  logDir: string;
  processes: StackMember[];
  /** The process with this name (e.g. `api-1`, `engine-BTC-KRW-a`); throws if there is none. */
  process(name: string): StackMember;
  /** The engine process currently holding the symbol's lease (from Redis), if any. */
  activeEngine(symbol: string): Promise<StackMember | undefined>;
  /** The ledger writer process currently holding the shard's lease (from Redis), if any. */
  activeLedger(shard: number): Promise<StackMember | undefined>;
  /** SIGTERM everything (front to back: nginx, nodes, engines, Redis) and wait for the exits. */
  stop(): Promise<void>;
}

class Member extends ManagedProcess implements StackMember {
  readonly metricsUrl?: string;
  constructor(
    spec: ProcessSpec,
    readonly role: Role,
    readonly url?: string,
    readonly symbol?: string,
    metricsUrl?: string,
  ) {
    super(spec);
    this.metricsUrl = metricsUrl ?? (role === 'api' || role === 'realtime' ? `${url}/metrics` : undefined);
  }
  get logFile(): string {
    return this.spec.logFile;
  }
}

/**
 * Starts Redis (unless `redisUrl` is given), the engines, api and realtime nodes (and nginx) as
 * child processes on free ports, waiting until each is ready: engines hold or wait for their
 * symbol's lease and answer on their metrics port, api nodes answer `/readyz`, realtime nodes
 * `/healthz`. Used by tests, `npm start`, `npm run cluster` and the load runner.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const logDir = resolve(opts.logDir ?? mkdtempSync(join(tmpdir(), 'xt-stack-')));
  mkdirSync(logDir, { recursive: true });
  const shared = readSharedEnv();
  const prefix = opts.prefix ?? process.env.XT_PREFIX ?? shared.XT_PREFIX ?? 'xt';
  const config = loadExchangeConfig(opts.env?.XT_SYMBOLS_FILE ?? process.env.XT_SYMBOLS_FILE);
  const markets = config.markets;
  const symbols = opts.symbols ?? markets.map((m) => m.symbol);
  const unknown = symbols.filter((s) => !markets.some((m) => m.symbol === s));
  if (unknown.length > 0) throw new Error(`unknown symbols ${unknown.join(', ')} (configured: ${markets.map((m) => m.symbol).join(', ')})`);
  // A subset of the symbols: every process gets a config listing just those, so api nodes are
  // ready without engines for the others and realtime nodes only read those feeds.
  let symbolsFile = opts.env?.XT_SYMBOLS_FILE ?? process.env.XT_SYMBOLS_FILE;
  if (symbols.length < markets.length) {
    symbolsFile = join(logDir, 'symbols.json');
    const chosen = markets.filter((m) => symbols.includes(m.symbol)).map((m) => m.config);
    writeFileSync(symbolsFile, JSON.stringify({ assets: config.file.assets, symbols: chosen }, null, 2));
  }
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const members: Member[] = [];
  let stopping = false;
  let redis: RedisClient | undefined;
  let cluster: RedisCluster | undefined;

  const compiled = opts.compiled ?? runCompiled();
  if (compiled) assertCompiled();
  const node = (file: string, args: string[] = [], nodeFlags: string[] = []) => ({ command: process.execPath, args: nodeArgs(file, compiled, args, nodeFlags) });
  const baseEnv = (target: RedisTarget): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...shared,
      ...process.env,
      ...opts.env,
      ...(typeof target === 'string' ? { REDIS_URL: target } : { REDIS_CLUSTER_NODES: target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',') }),
      XT_PREFIX: prefix,
      ...(symbolsFile ? { XT_SYMBOLS_FILE: symbolsFile } : {}),
    };
    // The chosen Redis, not one a variable of this shell names.
    if (typeof target === 'string') delete env.REDIS_CLUSTER_NODES;
    return env;
  };

  const add = (m: Member) => {
    members.push(m);
    m.onUnexpectedExit = (p) => {
      if (stopping || !opts.restartOnCrash) return;
      const delay = opts.restartDelayMs ?? 1000;
      process.stderr.write(`[stack] ${p.name} exited unexpectedly (${JSON.stringify(p.lastExit)}); restarting in ${delay} ms\n`);
      setTimeout(() => {
        if (!stopping && !p.running) {
          p.start().then(
            () => process.stderr.write(`[stack] ${p.name} is back (pid ${p.pid})\n`),
            (e: Error) => process.stderr.write(`[stack] restart of ${p.name} failed: ${e.message}\n`),
          );
        }
      }, delay);
    };
    return m;
  };
  const spec = (name: string, cmd: { command: string; args: string[] }, env: NodeJS.ProcessEnv, ready: ProcessSpec['ready']): ProcessSpec => ({
    name,
    ...cmd,
    env,
    cwd: REPO_ROOT,
    logFile: join(logDir, `${name}.log`),
    echo: opts.echo,
    ready,
  });
  const within = (p: ManagedProcess) => ({ timeoutMs: readyTimeoutMs, abortIf: () => p.deadReason() });

  try {
    // Redis
    let redisUrl = opts.redisUrl;
    if (!redisUrl && opts.redisCluster) {
      cluster = await RedisCluster.launch({ appendOnly: opts.appendOnly });
      redisUrl = { clusterNodes: cluster.seeds };
    }
    if (!redisUrl) {
      const port = opts.redisPort ?? (await freePort());
      const dir = resolve(opts.redisDir ?? join(logDir, 'redis'));
      mkdirSync(dir, { recursive: true });
      redisUrl = `redis://127.0.0.1:${port}`;
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no'];
      args.push(...(opts.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
      const probeUrl = redisUrl;
      const redisProc = add(
        new Member(
          spec('redis', { command: 'redis-server', args }, process.env, (p) => waitFor('redis-server', () => ping(probeUrl), within(p))),
          'redis',
          redisUrl,
        ),
      );
      await redisProc.start();
    }
    redis = createRedis(redisUrl, 'stack-probe');
    const probe = redis;
    const env = baseEnv(redisUrl);

    // Engines: one process per symbol and replica, replicas one after the other so that `-a`
    // normally holds the lease and `-b` is the standby.
    const replicas = Math.max(1, opts.enginesPerSymbol ?? 1);
    const engineStarts: Promise<void>[] = [];
    for (const symbol of symbols) {
      const lease = symbolKeys(symbol, prefix).lease;
      const chain = (async () => {
        for (let r = 0; r < replicas; r++) {
          const name = `engine-${symbol}-${String.fromCharCode(97 + r)}`;
          const metricsPort = await freePort();
          const engine = add(
            new Member(
              spec(name, node(ENTRY.engine, ['--symbol', symbol], ENGINE_NODE_FLAGS), { ...env, ENGINE_ID: name, METRICS_PORT: String(metricsPort) }, (p) =>
                waitFor(`${name} to take or wait for the ${symbol} lease`, async () => (await probe.exists(lease)) === 1 && (await answers(`http://127.0.0.1:${metricsPort}/metrics`)), within(p)),
              ),
              'engine',
              undefined,
              symbol,
              `http://127.0.0.1:${metricsPort}/metrics`,
            ),
          );
          await engine.start();
        }
      })();
      engineStarts.push(chain);
    }

    // The ledger: processes writing every account shard (each writer takes its shard's lease, or
    // stands by while another holds it); they also publish each account's private messages to the
    // realtime nodes. One after the other, so that `-a` normally leads every shard.
    const shardLeases = Array.from({ length: LedgerEnv.parse(env).XT_LEDGER_SHARDS }, (_, shard) => ledgerShardKeys(shard, prefix).lease);
    engineStarts.push(
      (async () => {
        for (let r = 0; r < Math.max(1, opts.ledgerWriters ?? 1); r++) {
          const name = `ledger-${String.fromCharCode(97 + r)}`;
          const metricsPort = await freePort();
          const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
          const ledger = add(
            new Member(
              spec(name, node(ENTRY.ledger), { ...env, LEDGER_WRITER_ID: name, METRICS_PORT: String(metricsPort) }, (p) =>
                // One EXISTS per shard: the leases are in as many cluster slots.
                waitFor(
                  `${name} to take or wait for its shards`,
                  async () => (await Promise.all(shardLeases.map((l) => probe.exists(l)))).every((n) => n === 1) && (await answers(metricsUrl)),
                  within(p),
                ),
              ),
              'ledger',
              undefined,
              undefined,
              metricsUrl,
            ),
          );
          await ledger.start();
        }
      })(),
    );

    // api and realtime nodes
    const apiCount = Math.max(0, opts.apis ?? 1);
    const rtCount = Math.max(0, opts.realtimes ?? 1);
    const apiPorts = await portsFor(apiCount, opts.apiPorts);
    const rtPorts = await portsFor(rtCount, opts.realtimePorts);
    const apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    const realtimeUrls = rtPorts.map((p) => `http://127.0.0.1:${p}`);
    const nodeStarts: Promise<void>[] = [];
    // The pages the realtime nodes serve call the api from their own origin with the session
    // cookie: the api must accept those origins (by either name of this host).
    const pageOrigins = rtPorts.flatMap((p) => [`http://127.0.0.1:${p}`, `http://localhost:${p}`]).join(',');
    const apiEnv: NodeJS.ProcessEnv = { ...env, API_ALLOWED_ORIGINS: env.API_ALLOWED_ORIGINS ?? pageOrigins };
    // nginx (on loopback) names the client in X-Forwarded-For; without it no peer is trusted.
    if (opts.nginx) apiEnv.API_TRUST_PROXY ??= 'loopback';
    const realtimeEnv: NodeJS.ProcessEnv = opts.nginx ? { XT_TRUST_PROXY: env.XT_TRUST_PROXY ?? 'loopback' } : {};
    apiUrls.forEach((url, i) => {
      const m = add(
        new Member(
          spec(`api-${i + 1}`, node(ENTRY.api), { ...apiEnv, PORT: String(apiPorts[i]) }, (p) => waitFor(`${p.name} /readyz`, () => httpOk(`${url}/readyz`), within(p))),
          'api',
          url,
        ),
      );
      nodeStarts.push(m.start());
    });
    // Behind nginx the page calls the API on its own origin; alone, it calls the first api node on
    // the host name the page was loaded from (where its session cookie is same-site).
    const publicApi: NodeJS.ProcessEnv =
      env.XT_PUBLIC_API_URL !== undefined ? {} : opts.nginx ? { XT_PUBLIC_API_URL: '' } : apiPorts.length > 0 ? { XT_PUBLIC_API_PORT: String(apiPorts[0]) } : {};
    realtimeUrls.forEach((url, i) => {
      const m = add(
        new Member(
          spec(`realtime-${i + 1}`, node(ENTRY.realtime), { ...env, ...realtimeEnv, PORT: String(rtPorts[i]), ...publicApi }, (p) =>
            waitFor(`${p.name} /healthz`, () => httpOk(`${url}/healthz`), within(p)),
          ),
          'realtime',
          url,
        ),
      );
      nodeStarts.push(m.start());
    });
    // Nodes start alongside the engines (api readiness may wait for the engines' heartbeats).
    await Promise.all([...engineStarts, ...nodeStarts]);

    // nginx
    let nginxUrl: string | undefined;
    if (opts.nginx) {
      const binary = ensureNginx();
      const port = opts.nginxPort ?? (await freePort());
      const dir = join(logDir, 'nginx');
      const conf = writeNginxConfig({ dir, port, apiUrls, realtimeUrls, limits: opts.nginxLimits });
      testNginxConfig(binary, conf, dir);
      nginxUrl = `http://127.0.0.1:${port}`;
      const url = nginxUrl;
      const m = add(
        new Member(
          spec('nginx', { command: binary, args: ['-p', dir, '-c', conf] }, process.env, (p) => waitFor('nginx', () => httpOk(`${url}/nginx-health`), within(p))),
          'nginx',
          url,
        ),
      );
      await m.start();
    }

    // A lease is `<fence>:<holder id>`, and each engine and ledger writer is named by its id.
    const holderOf = (lease: string | null, role: Role) => {
      if (!lease) return undefined;
      const id = lease.slice(lease.indexOf(':') + 1);
      return members.find((p) => p.role === role && p.name === id);
    };
    const stack: Stack = {
      redisUrl,
      redisCluster: cluster,
      prefix,
      compiled,
      symbols,
      apiUrls,
      realtimeUrls,
      nginxUrl,
      logDir,
      processes: members,
      process(name) {
        const m = members.find((p) => p.name === name);
        if (!m) throw new Error(`no process named ${name} (have ${members.map((p) => p.name).join(', ')})`);
        return m;
      },
      async activeEngine(symbol) {
        return holderOf(await probe.get(symbolKeys(symbol, prefix).lease), 'engine');
      },
      async activeLedger(shard) {
        return holderOf(await probe.get(ledgerShardKeys(shard, prefix).lease), 'ledger');
      },
      async stop() {
        stopping = true;
        await stopAll(members);
        probe.disconnect();
        await cluster?.destroy();
      },
    };
    return stack;
  } catch (e) {
    stopping = true;
    await stopAll(members);
    redis?.disconnect();
    await cluster?.destroy();
    throw new Error(`${(e as Error).message}\n(logs in ${logDir})`);
  }
}

/** Front to back, each tier in parallel, so nothing is cut off from what it depends on. */
async function stopAll(members: Member[]): Promise<void> {
  const tiers: Role[][] = [['nginx'], ['api', 'realtime'], ['ledger', 'engine'], ['redis']];
  for (const roles of tiers) {
    await Promise.all(members.filter((m) => roles.includes(m.role)).map((m) => m.stop()));
  }
  for (const m of members) m.close();
}

async function portsFor(count: number, given: number[] = []): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(given[i] ?? (await freePort()));
  return out;
}

async function ping(url: string): Promise<boolean> {
  const client = createRedis(url, 'stack-ping', { lazyConnect: true, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

/** True when anything answers HTTP at `url` (any status). */
async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return true;
}
