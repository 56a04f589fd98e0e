import { z } from 'zod';
import { DEFAULT_PREFIX } from '@xtrader/protocol';

/** Ledger shards when XT_LEDGER_SHARDS is unset. */
export const DEFAULT_LEDGER_SHARDS = 4;

/**
 * Settings every process reads from its environment, validated at boot (fail fast, readable).
 * Each process extends this with its own fields via {@link readEnv}.
 */
export const CommonEnv = z.object({
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * `host:port,...` of a Redis Cluster's nodes: when set, every client is a cluster client and
   * REDIS_URL is not used. Empty is unset (docker compose passes an unset variable as empty).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^$|^[^\s:,]+:\d{1,5}(,[^\s:,]+:\d{1,5})*$/, 'a comma-separated list of host:port')
    .optional(),
  /** Key prefix: lets several exchanges (or test runs) share one Redis. */
  XT_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/).default(DEFAULT_PREFIX),
  XT_SYMBOLS_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Number of ledger (account) shards: every api node and ledger writer must agree; changing it is a migration. */
  XT_LEDGER_SHARDS: z.coerce.number().int().min(1).max(1024).default(DEFAULT_LEDGER_SHARDS),
  /** Bearer token of the operator's admin routes (deposits, withdrawals, fees); unset: those routes answer 404. */
  XT_ADMIN_TOKEN: z.string().optional(),
  /** `on`: signed-in accounts may take the demo faucet's balance (`POST /api/v1/faucet`); `off`: that route answers 404. */
  XT_FAUCET: z.enum(['on', 'off']).default('off'),
  /**
   * `primary` (default): writes count once the Redis primary has them. `replica`: the api answers
   * a ledger request, a ledger shard answers and pushes, and an engine answers a batch, only once
   * a replica has the write too (WAIT), so a failover cannot take back what was answered.
   */
  XT_DURABILITY: z.enum(['primary', 'replica']).default('primary'),
  /** With XT_DURABILITY=replica: how long one wait for a replica may take. */
  XT_DURABILITY_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
});

/** `XT_DURABILITY=replica`: how many replicas must have a write, and how long to wait for them. */
export interface Durability {
  replicas: number;
  timeoutMs: number;
}

/** The durability an environment asks for: undefined with XT_DURABILITY=primary (nothing waits). */
export function durabilityOf(env: Pick<z.infer<typeof CommonEnv>, 'XT_DURABILITY' | 'XT_DURABILITY_TIMEOUT_MS'>): Durability | undefined {
  return env.XT_DURABILITY === 'replica' ? { replicas: 1, timeoutMs: env.XT_DURABILITY_TIMEOUT_MS } : undefined;
}

export function readEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    console.error(`invalid environment:\n${z.prettifyError(parsed.error)}`);
    process.exit(2);
  }
  return parsed.data;
}
