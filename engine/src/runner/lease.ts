import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { SymbolKeys } from '@xtrader/protocol';

const script = (name: string) => readFileSync(join(__dirname, 'lua', `${name}.lua`), 'utf8');
const SCRIPTS = {
  xtAcquireLease: { numberOfKeys: 2, lua: script('acquire-lease') },
  xtRenewLease: { numberOfKeys: 2, lua: script('renew-lease') },
  xtReleaseLease: { numberOfKeys: 2, lua: script('release-lease') },
} as const;

type ScriptClient = Redis & {
  xtAcquireLease(lease: string, fence: string, engineId: string, ttlMs: number, previous: string): Promise<string | null>;
  xtRenewLease(lease: string, heartbeat: string, token: string, ttlMs: number, hb: string, hbTtlMs: number): Promise<number>;
  xtReleaseLease(lease: string, heartbeat: string, token: string): Promise<number>;
};

/** Registers the lease scripts on a client (EVALSHA with automatic fallback to EVAL). */
export function withLeaseScripts(redis: Redis): ScriptClient {
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, def);
  }
  return redis as ScriptClient;
}

/**
 * One engine's claim on one symbol. The token `<fence>:<engineId>` is what every commit checks:
 * the fence grows with each acquisition, so a former holder's token can never match again.
 */
export class Lease {
  private readonly redis: ScriptClient;
  /** The token while held, undefined otherwise. */
  token: string | undefined;
  private previous = '';

  constructor(
    redis: Redis,
    private readonly keys: SymbolKeys,
    readonly engineId: string,
    readonly ttlMs: number,
  ) {
    this.redis = withLeaseScripts(redis);
  }

  /** Tries once; true when this engine now holds the lease. */
  async acquire(): Promise<boolean> {
    const token = await this.redis.xtAcquireLease(this.keys.lease, this.keys.fence, this.engineId, this.ttlMs, this.previous);
    this.token = token ?? undefined;
    if (token) this.previous = token;
    return token !== null && token !== undefined;
  }

  /** Extends the lease and writes the heartbeat; false (and no longer held) when it was lost. */
  async renew(heartbeat: string, heartbeatTtlMs: number): Promise<boolean> {
    if (!this.token) return false;
    const ok = await this.redis.xtRenewLease(this.keys.lease, this.keys.heartbeat, this.token, this.ttlMs, heartbeat, heartbeatTtlMs);
    if (ok !== 1) this.lost();
    return ok === 1;
  }

  /** Gives the lease up (only if it is still ours). */
  async release(): Promise<void> {
    if (!this.token) return;
    const token = this.token;
    this.lost();
    await this.redis.xtReleaseLease(this.keys.lease, this.keys.heartbeat, token);
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
