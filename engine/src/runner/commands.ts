import { entryField, FIELDS, parseTimedCommand, streamIdTime, type TimedCommand } from '@xtrader/protocol';

/** A stream entry as ioredis returns it (legacy replies): `[id, [field, value, ...]]`. */
export type RawEntry = [id: string, fields: string[]];

export type Decoded = { ok: true; cmd: TimedCommand } | { ok: false; error: string };

/**
 * Parses one stream entry into a command with its time. Never throws: a malformed entry is
 * reported so the runner can log it and move past it instead of wedging the symbol.
 */
export function decodeEntry([id, fields]: RawEntry): Decoded {
  const json = entryField(fields, FIELDS.command);
  if (json === undefined) return { ok: false, error: `entry ${id} has no "${FIELDS.command}" field` };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: `entry ${id} is not JSON` };
  }
  const parsed = parseTimedCommand(value, streamIdTime(id));
  if (!parsed.ok) return { ok: false, error: `entry ${id} is not a valid command: ${parsed.error}` };
  return parsed;
}
