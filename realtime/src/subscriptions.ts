import { CHANNELS, DEFAULT_CANDLE_INTERVAL, INTERVALS, candleTopic, channelTopic, type Channel, type Subscribe, type Unsubscribe } from '@xtrader/protocol';

/** What a Subscribe / Unsubscribe resolved to: the topics and the echo for the Success message. */
export interface ResolvedSubscription {
  topics: string[];
  channels: Channel[];
  symbols: string[];
  /** Candle intervals (only when the candles channel is included). */
  intervals: string[];
}

export type Resolution = { ok: true; value: ResolvedSubscription } | { ok: false; message: string };

type Request = Pick<Subscribe | Unsubscribe, 'channels' | 'symbols' | 'intervals'>;

/**
 * Turns a Subscribe or Unsubscribe into topics (pure).
 *
 * - `channels` / `symbols`: a list, or `"all"` (alone or inside the list).
 * - `symbols` omitted: the symbols the connection already follows (`current`), as the original
 *   design's chart does when it switches candle interval; an error if it follows none.
 * - `intervals` (candles only): omitted means `5m` on Subscribe and every interval on Unsubscribe.
 * Anything unknown fails the whole request, so a typo never half-applies.
 */
export function resolveSubscription(
  kind: 'Subscribe' | 'Unsubscribe',
  req: Request,
  knownSymbols: readonly string[],
  currentSymbols: readonly string[],
): Resolution {
  const channels = expand('channel', req.channels, CHANNELS);
  if (!channels.ok) return channels;

  let symbols: string[];
  if (req.symbols === undefined) {
    if (currentSymbols.length === 0) return fail('symbols is required: this connection follows no symbol yet');
    symbols = [...currentSymbols];
  } else {
    const s = expand('symbol', req.symbols, knownSymbols);
    if (!s.ok) return s;
    symbols = s.value;
  }

  let intervals: string[] = [];
  const wantsCandles = channels.value.includes('candles');
  if (wantsCandles) {
    if (req.intervals === undefined) intervals = kind === 'Subscribe' ? [DEFAULT_CANDLE_INTERVAL] : [...INTERVALS];
    else {
      const i = expand('interval', req.intervals, INTERVALS, true);
      if (!i.ok) return i;
      intervals = i.value;
    }
  }

  const topics: string[] = [];
  for (const symbol of symbols) {
    for (const channel of channels.value as Channel[]) {
      if (channel === 'candles') for (const interval of intervals) topics.push(candleTopic(symbol, interval));
      else topics.push(channelTopic(channel, symbol));
    }
  }
  return { ok: true, value: { topics, channels: channels.value as Channel[], symbols, intervals } };
}

function expand(
  what: string,
  value: 'all' | readonly string[],
  known: readonly string[],
  allowEmpty = false,
): { ok: true; value: string[] } | { ok: false; message: string } {
  const list = value === 'all' ? ['all'] : value;
  if (list.length === 0 && !allowEmpty) return fail(`${what}s must not be empty`);
  if (list.includes('all')) return { ok: true, value: [...known] };
  const unknown = list.filter((x) => !known.includes(x));
  if (unknown.length > 0) {
    return fail(`unknown ${what}${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (expected ${known.join(', ')} or all)`);
  }
  return { ok: true, value: [...new Set(list)] };
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
