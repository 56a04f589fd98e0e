import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { linkedToParent } from '@xtrader/platform';

/** How to run one child process of a stack. */
export interface ProcessSpec {
  /** Unique within a stack, e.g. `api-1`, `engine-BTC-KRW-b`; names the log file too. */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Output (stdout and stderr) is appended here. */
  logFile: string;
  /** Resolves once the process serves; rejects (or times out) otherwise. */
  ready: (proc: ManagedProcess) => Promise<unknown>;
  /** Also copy output to this process's stderr, each line prefixed with the name. */
  echo?: boolean;
  /** How long a SIGTERM may take before SIGKILL (default 15 s). */
  stopTimeoutMs?: number;
}

/** What a test or launcher can do with one process of a running stack. */
export interface StackProcess {
  readonly name: string;
  /** The OS pid of the running process (undefined while stopped). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends a signal (SIGTERM by default) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it if running (SIGTERM), starts it again with the same settings, waits until ready. */
  restart(): Promise<void>;
  /** Starts it (again, after a kill) with the same settings and waits until ready; nothing if running. */
  start(): Promise<void>;
}

/**
 * A child process with its output captured to a log file, a readiness check, clean SIGTERM
 * stop (SIGKILL after a timeout) and restart with the same command, port and environment.
 */
export class ManagedProcess implements StackProcess {
  private child?: ChildProcess;
  private exit?: Promise<number | null>;
  private log?: WriteStream;
  private starts = 0;
  /** Why the last run ended, when it ended without being asked to. */
  lastExit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Called when the process exits without {@link kill} or {@link stop} asking it to. */
  onUnexpectedExit?: (proc: ManagedProcess) => void;
  private stopping = false;

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process and waits for its readiness check. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    this.lastExit = undefined;
    this.log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    this.log.write(`\n--- ${new Date().toISOString()} start #${++this.starts}: ${this.spec.command} ${this.spec.args.join(' ')}\n`);
    // Linked: it dies with this process however this process ends (even SIGKILL).
    const linked = linkedToParent(this.spec.command, this.spec.args, this.spec.env);
    const child = spawn(linked.command, linked.args, {
      cwd: this.spec.cwd,
      env: linked.env,
      stdio: [linked.stdin, 'pipe', 'pipe'],
      // Own process group: a terminal's Ctrl-C reaches the launcher only, which then stops the
      // children in order (balancer, nodes, engines, Redis) instead of all at once.
      detached: true,
    });
    this.child = child;
    // The link's write end: never written; a child that exits closes it (nothing to report).
    child.stdin?.on('error', () => {});
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.log?.write(`--- exited code=${code} signal=${signal}\n`);
        if (!this.stopping) {
          this.lastExit = { code, signal };
          this.onUnexpectedExit?.(this);
        }
        resolve(code);
      });
      child.once('error', (e) => {
        this.lastExit = { code: -1, signal: null };
        this.log?.write(`--- cannot spawn: ${e.message}\n`);
        resolve(-1);
      });
    });
    const prefix = `[${this.spec.name}] `;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        this.log?.write(chunk);
        if (this.spec.echo) process.stderr.write(prefixLines(prefix, chunk.toString()));
      });
    }
    await this.spec.ready(this);
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopping = true;
    child.kill(signal);
    await this.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited within the stop timeout. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.stopping = true;
    const timer = setTimeout(() => {
      this.log?.write(`--- did not stop within ${this.spec.stopTimeoutMs ?? 15_000} ms: SIGKILL\n`);
      child.kill('SIGKILL');
    }, this.spec.stopTimeoutMs ?? 15_000);
    child.kill('SIGTERM');
    await this.exit;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Resolves with the exit code when the current run ends. */
  exited(): Promise<number | null> {
    return this.exit ?? Promise.resolve(null);
  }

  /** Why waiting for readiness is pointless: the process already exited. */
  deadReason(): string | undefined {
    if (this.running) return undefined;
    const e = this.lastExit;
    return `${this.name} exited (code ${e?.code ?? '?'}, signal ${e?.signal ?? 'none'}); last output:\n${this.tail()}`;
  }

  /** The last lines of the log file, for error messages. */
  tail(lines = 30): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  /** Closes the log file; call once after the final stop. */
  close(): void {
    this.log?.end();
    this.log = undefined;
  }
}

function prefixLines(prefix: string, text: string): string {
  return text.replace(/^(?=.)/gm, prefix);
}
