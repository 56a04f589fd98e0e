import type { LeaseKeys } from '@xtrader/protocol';
import type { EngineScripts } from './scripts';

/**
 * One engine's claim on one symbol. The token `<fence>:<engineId>` is what every commit checks:
 * the fence grows with each acquisition, so a former holder's token can never match again.
 */
export class Lease {
  /** The token while held, undefined otherwise. */
  token: string | undefined;
  private previous = '';

  constructor(
    private readonly scripts: EngineScripts,
    private readonly keys: LeaseKeys,
    readonly engineId: string,
    readonly ttlMs: number,
  ) {}

  /** Tries once; true when this engine now holds the lease. */
  async acquire(): Promise<boolean> {
    const token = await this.scripts.acquireLease(this.keys, this.engineId, this.ttlMs, this.previous);
    this.token = token ?? undefined;
    if (token) this.previous = token;
    return token !== null && token !== undefined;
  }

  /**
   * Extends the lease (to `ttlMs` from now, the lease's own TTL by default) and writes the
   * heartbeat; false (and no longer held) when it was lost.
   */
  async renew(heartbeat: string, heartbeatTtlMs: number, ttlMs = this.ttlMs): Promise<boolean> {
    if (!this.token) return false;
    const ok = await this.scripts.renewLease(this.keys, this.token, ttlMs, heartbeat, heartbeatTtlMs);
    if (ok !== 1) this.lost();
    return ok === 1;
  }

  /** Gives the lease up (only if it is still ours). */
  async release(): Promise<void> {
    if (!this.token) return;
    const token = this.token;
    this.lost();
    await this.scripts.releaseLease(this.keys, token);
  }

  /** Forget the lease locally: after a refused commit, a token can never be re-used. */
  lost(): void {
    this.token = undefined;
    this.previous = '';
  }

  /** Keep the token for a re-acquire after a connection error (the lease may still be ours). */
  suspend(): void {
    this.token = undefined;
  }

  /** The fence number of the held token. */
  get fence(): number | undefined {
    return this.token ? Number(this.token.split(':', 1)[0]) : undefined;
  }
}
