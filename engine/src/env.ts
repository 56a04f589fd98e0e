import { z } from 'zod';
import { CommonEnv, durabilityOf } from '@xtrader/platform';
import { DEFAULT_ORDER_FILLS_MAX } from '@xtrader/protocol';
import { DEFAULT_CLOCK_MS } from './clock';

/**
 * The engine's environment, validated at boot: the one place its settings' defaults are stated
 * (a runner built without a setting takes the default parsed from here).
 */
export const EngineEnv = CommonEnv.extend({
  ENGINE_ID: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  /** Port of the Prometheus /metrics endpoint; none when unset. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Lease TTL: a paused holder loses the symbol after this long. */
  ENGINE_LEASE_MS: z.coerce.number().int().min(100).default(5000),
  /**
   * The lease TTL while recovering: renewed before and after each long step of a recovery (the
   * snapshot's read, its parse, its restore) and between replayed chunks once a quarter of
   * ENGINE_LEASE_MS has passed, so a restore that blocks for longer than the lease keeps it.
   * At least ENGINE_LEASE_MS (a smaller value is raised to it).
   */
  ENGINE_RECOVERY_LEASE_MS: z.coerce.number().int().min(100).default(30_000),
  /** How long one XREAD blocks when the stream is idle (kept below a third of the lease). */
  ENGINE_BLOCK_MS: z.coerce.number().int().min(1).default(500),
  /** Commands per batch, at most 10,000 (what one batch holds in memory until it is committed). */
  ENGINE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /**
   * Tries of a command whose application or commit preparation fails (a poison command) before
   * the engine skips it: it is answered with ENGINE_ERROR, recorded in the symbol's skipped list
   * with the commit that moves past it, logged and counted, and the symbol goes on.
   */
  ENGINE_POISON_TRIES: z.coerce.number().int().min(1).max(100).default(3),
  /** Snapshot after this many commands... */
  ENGINE_SNAPSHOT_EVERY: z.coerce.number().int().min(1).default(10_000),
  /** ...or this long after the previous one when anything changed. */
  ENGINE_SNAPSHOT_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Fills kept per order in its stored fill list, and shown by GET /order: its most recent ones
   * (the order's totals and fills_total still count every fill; GET /my-trades lists each).
   */
  ENGINE_ORDER_FILLS_MAX: z.coerce.number().int().min(1).max(1000).default(DEFAULT_ORDER_FILLS_MAX),
  /** The events stream's length at most, in entries of one batch each (approximate: Redis trims whole nodes). */
  ENGINE_EVENTS_MAXLEN: z.coerce.number().int().min(1).default(10_000),
  /** ...and its entries' age at most (0: no age bound). */
  ENGINE_EVENTS_MAX_AGE_MS: z.coerce.number().int().min(0).default(86_400_000),
  /** How long a finished order's state is kept (its TTL from the commit that finished it)... */
  ENGINE_FINISHED_TTL_S: z.coerce.number().int().min(1).default(86_400),
  /** ...and how many finished orders' states a symbol keeps at most (the oldest go first). */
  ENGINE_FINISHED_MAX: z.coerce.number().int().min(1).default(1_000_000),
  /** "false" keeps the whole command stream (audits, crash drills). */
  ENGINE_TRIM_COMMANDS: z.enum(['true', 'false']).default('true'),
  /**
   * Period of the clock commands that close candles and slide the 24 h window when nobody trades
   * (one BullMQ job scheduler across all engines); 0 leaves the clock to other engines.
   */
  ENGINE_CLOCK_MS: z.coerce.number().int().refine((ms) => ms === 0 || ms >= 10, '0 (off) or at least 10').default(DEFAULT_CLOCK_MS),
});
export type EngineEnv = z.infer<typeof EngineEnv>;

/** The runner settings an environment gives. */
export function runnerSettings(env: EngineEnv) {
  return {
    prefix: env.XT_PREFIX,
    leaseMs: env.ENGINE_LEASE_MS,
    recoveryLeaseMs: env.ENGINE_RECOVERY_LEASE_MS,
    blockMs: env.ENGINE_BLOCK_MS,
    batchSize: env.ENGINE_BATCH_SIZE,
    poisonTries: env.ENGINE_POISON_TRIES,
    snapshotEvery: env.ENGINE_SNAPSHOT_EVERY,
    snapshotMs: env.ENGINE_SNAPSHOT_MS,
    trimCommands: env.ENGINE_TRIM_COMMANDS === 'true',
    ledgerShards: env.XT_LEDGER_SHARDS,
    orderFillsMax: env.ENGINE_ORDER_FILLS_MAX,
    eventsMaxLen: env.ENGINE_EVENTS_MAXLEN,
    eventsMaxAgeMs: env.ENGINE_EVENTS_MAX_AGE_MS,
    finishedTtlS: env.ENGINE_FINISHED_TTL_S,
    finishedMax: env.ENGINE_FINISHED_MAX,
    durability: durabilityOf(env),
  };
}

/** The runner settings of an empty environment: the defaults. */
export const DEFAULT_RUNNER_SETTINGS = runnerSettings(EngineEnv.parse({}));
