import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { linkedToParent } from './parent-link';
import { waitFor } from './wait';

/** How many ports a launch tries when the ones it picked are taken before it binds them. */
const PORT_ATTEMPTS = 5;

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  /** The port; when unset one is picked, and picked again if it is taken before the server binds it. */
  port?: number;
  /** How a free port is picked (default: ask the OS, {@link freePort}). */
  pickPort?: () => Promise<number>;
  /** Keep an append-only file (fsync every write) so a restart loses nothing accepted. */
  appendOnly?: boolean;
  /** Data directory; a fresh temporary one by default (removed by `stop`). */
  dir?: string;
  binary?: string;
  /** More `redis-server` arguments (e.g. `--cluster-enabled yes`), after the ones above. */
  extraArgs?: readonly string[];
}

/**
 * A real `redis-server` child process, for tests, the launcher and crash drills. `stop()` shuts
 * it down; `start()` again (same port and dir) restarts it, with its AOF when enabled.
 */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  private child?: ChildProcess;
  private readonly ownsDir: boolean;

  private constructor(port: number, dir: string, ownsDir: boolean, private readonly opts: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.ownsDir = ownsDir;
  }

  static async launch(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const ownsDir = !opts.dir;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'xt-redis-'));
    if (opts.port !== undefined) {
      const server = new RedisServer(opts.port, dir, ownsDir, opts);
      await server.start();
      return server;
    }
    // A port the OS called free can be taken before redis-server binds it (or, in cluster mode,
    // its bus port, 10000 above): pick another.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await (opts.pickPort ?? freePort)(), dir, ownsDir, opts);
      try {
        await server.start();
        return server;
      } catch (e) {
        if (attempt >= PORT_ATTEMPTS || !(e as Error).message.includes('Address already in use')) throw e;
      }
    }
  }

  /** Whether the process is up (started and not stopped or killed). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--daemonize', 'no'];
    if (this.opts.appendOnly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    args.push(...(this.opts.extraArgs ?? []));
    // Linked: a test process killed outright must not leave its Redis servers behind.
    const linked = linkedToParent(this.opts.binary ?? 'redis-server', args, process.env);
    const child = spawn(linked.command, linked.args, { env: linked.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        output += b.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('error', (e) => reject(new Error(`cannot start redis-server: ${e.message}`)));
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
    child.removeAllListeners('exit');
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** SHUTDOWN (writes nothing: AOF is already fsynced) and wait for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }

  /** SIGKILL, as a crashing machine would: nothing is written, no client is told (failover drills). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Stop and remove the data directory if this object created it. */
  async destroy(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}

/**
 * A replica of `primary` (`--replicaof`, asynchronous replication as Redis does it), resolved
 * once the primary counts it as online. `stop`/`kill` and `start` again take it away and back.
 */
export async function launchReplica(primary: RedisServer, opts: RedisServerOptions = {}): Promise<RedisServer> {
  const replica = await RedisServer.launch({ ...opts, extraArgs: [...(opts.extraArgs ?? []), '--replicaof', '127.0.0.1', String(primary.port)] });
  await replicasOnline(primary, 1);
  return replica;
}

/** Resolves once `primary` counts at least `n` replicas online. */
export async function replicasOnline(primary: RedisServer, n: number): Promise<void> {
  const probe = primary.client();
  try {
    await waitFor(`${n} replica(s) of ${primary.url} online`, async () => ((await probe.info('replication')).match(/state=online/g)?.length ?? 0) >= n, { intervalMs: 20 });
  } finally {
    probe.disconnect();
  }
}
