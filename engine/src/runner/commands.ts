import { parseTimedCommand, type TimedCommand } from '@xtrader/protocol';

/** The field of a command stream entry that carries the command's JSON. */
export const COMMAND_FIELD = 'c';

/** A stream entry as ioredis returns it (legacy replies): `[id, [field, value, ...]]`. */
export type RawEntry = [id: string, fields: string[]];

export type Decoded = { ok: true; cmd: TimedCommand } | { ok: false; error: string };

/** The millisecond part of a stream id: the command's time. */
export function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** Orders two stream ids ("ms-seq"); -1, 0 or 1. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const sq = BigInt(as ?? '0') - BigInt(bs ?? '0');
  return sq === 0n ? 0 : sq < 0n ? -1 : 1;
}

/**
 * Parses one stream entry into a command with its time. Never throws: a malformed entry is
 * reported so the runner can log it and move past it instead of wedging the symbol.
 */
export function decodeEntry([id, fields]: RawEntry): Decoded {
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === COMMAND_FIELD) json = fields[i + 1];
  }
  if (json === undefined) return { ok: false, error: `entry ${id} has no "${COMMAND_FIELD}" field` };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: `entry ${id} is not JSON` };
  }
  const parsed = parseTimedCommand(value, idTime(id));
  if (!parsed.ok) return { ok: false, error: `entry ${id} is not a valid command: ${parsed.error}` };
  return parsed;
}
