import type { RedisClient } from '@xtrader/platform';
import { compareStreamIds, LEDGER_POSITIONS, symbolKeys } from '@xtrader/protocol';

/**
 * A shard's stored position in a symbol's events is older than what the stream still holds:
 * entries it never applied were trimmed, so reading on would skip their money. The writer stops.
 */
export class LedgerInputGoneError extends Error {
  override readonly name = 'LedgerInputGoneError';
}

/**
 * Where `stream` starts now, when entries were ever removed from its head (undefined while it
 * holds every entry ever added, or does not exist).
 */
async function trimmedStart(redis: RedisClient, stream: string): Promise<string | undefined> {
  const info = (await redis.call('XINFO', 'STREAM', stream).catch((e: Error) => {
    if (/no such key/i.test(e.message)) return [];
    throw e;
  })) as unknown[];
  const field = (name: string) => info[info.indexOf(name) + 1];
  if (info.length === 0 || Number(field('entries-added')) === Number(field('length'))) return undefined;
  return String(field('recorded-first-entry-id'));
}

/**
 * Throws {@link LedgerInputGoneError} when any symbol's events stream was trimmed past the shard's
 * stored position in it: it now starts after the position, so entries the shard never applied
 * may be gone. (The engine trims only up to the slowest shard's position and keeps that entry, so
 * a healthy shard's position is never before the stream's start.)
 */
export async function assertEventsKept(redis: RedisClient, prefix: string, shard: number, symbols: readonly string[], positions: ReadonlyMap<string, string>): Promise<void> {
  await Promise.all(
    symbols.map(async (symbol) => {
      const stream = symbolKeys(symbol, prefix).events;
      const position = positions.get(LEDGER_POSITIONS.events(symbol)) ?? '0-0';
      const start = await trimmedStart(redis, stream);
      if (start !== undefined && compareStreamIds(start, position) > 0) {
        throw new LedgerInputGoneError(
          `ledger shard ${shard} has applied ${stream} up to ${position}, but the stream was trimmed and now starts at ${start}: ` +
            'settling on would skip their trades and releases, so the writer stops (restore the stream, or the shard from a copy taken at its position)',
        );
      }
    }),
  );
}
