import { z } from 'zod';
import { CommonEnv } from '@xtrader/platform';
import { DEFAULT_CLIENT_ORDER_ID_TTL_S, DEFAULT_CLIENT_ORDER_IDS_MAX } from '@xtrader/protocol';

/** The ledger writer's environment, validated at boot: the one place its defaults are stated. */
export const LedgerEnv = CommonEnv.extend({
  /** The shards this process writes, e.g. "0,2"; every shard when unset. */
  LEDGER_SHARDS_HERE: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated shard numbers')
    .optional(),
  LEDGER_WRITER_ID: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  /** Port of the Prometheus /metrics endpoint; none when unset. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Lease TTL: a paused writer loses its shard after this long. */
  LEDGER_LEASE_MS: z.coerce.number().int().min(100).default(5000),
  /** Entries read from one input per batch. */
  LEDGER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** How long an idle writer blocks on its command stream before looking at the events again. */
  LEDGER_BLOCK_MS: z.coerce.number().int().min(1).default(50),
  /** Count every settled trade leg in the shard's `settlements` hash (proof of exactly-once for drills and audits; grows with every trade). */
  LEDGER_RECORD_SETTLEMENTS: z.enum(['on', 'off']).default('off'),
  /** How long an account's client_order_id is remembered (a retry within it gets the first answer), in seconds. */
  LEDGER_CLIENT_ORDER_ID_TTL_S: z.coerce.number().int().min(1).default(DEFAULT_CLIENT_ORDER_ID_TTL_S),
  /** How many client_order_id records an account keeps at most (on its shard, and on each symbol); the oldest are forgotten first. */
  LEDGER_CLIENT_ORDER_IDS_MAX: z.coerce.number().int().min(1).default(DEFAULT_CLIENT_ORDER_IDS_MAX),
});
export type LedgerEnv = z.infer<typeof LedgerEnv>;
