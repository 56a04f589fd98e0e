import type { RedisClient } from '@xtrader/platform';
import { INTERVALS, candleTopic, channelTopic, emptyStatistics, entryField, FIELDS, symbolKeys, type Candle, type CandlestickUpdate, type MarketMessage, type MarketStatistics, type OrderBookSnapshot } from '@xtrader/protocol';
import { Outgoing } from './outgoing';

/** How far back in the feed to look for the newest candle message of each interval. */
const FEED_LOOKBACK = 128;

/** A symbol's current state, read in one transaction with the feed position it reflects. */
export interface CurrentSymbolState {
  /** Id of the newest feed entry when the state was read (null: empty feed): newer entries are live. */
  lastId: string | null;
  /** The state message of each topic that has one (executions have none). */
  messages: Map<string, Outgoing>;
}

/**
 * Reads the current state a new subscriber gets first: the book (`keys.depth`), the statistics
 * (`keys.stats`) and the newest candle of each interval (`keys.candles`).
 *
 * The engine commits state and feed entries in one MULTI, so reading them in one MULTI gives a
 * consistent cut: the state reflects exactly the feed up to `lastId`. Requests made in the same
 * event-loop turn share one read; a request never joins a read already sent, so a subscriber
 * registered before the read misses nothing between the state and the live stream.
 * State messages carry `prev_sequence: 0`: "start your gap tracking here".
 */
export class CurrentState {
  private readonly batches = new Map<string, Promise<CurrentSymbolState>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  request(symbol: string): Promise<CurrentSymbolState> {
    let batch = this.batches.get(symbol);
    if (!batch) {
      batch = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.batches.delete(symbol);
        return this.read(symbol);
      });
      this.batches.set(symbol, batch);
    }
    return batch;
  }

  private async read(symbol: string): Promise<CurrentSymbolState> {
    const keys = symbolKeys(symbol, this.prefix);
    const tx = this.redis.multi().xrevrange(keys.feed, '+', '-', 'COUNT', FEED_LOOKBACK).get(keys.depth).get(keys.stats);
    for (const interval of INTERVALS) tx.zrange(keys.candles(interval), '-1', '-1');
    const replies = await tx.exec();
    if (!replies) throw new Error('state read aborted');
    for (const [err] of replies) if (err) throw err;
    const [feed, depth, stats, ...candles] = replies.map(([, v]) => v) as [
      [string, string[]][],
      string | null,
      string | null,
      ...string[][],
    ];
    const now = Date.now();
    const recent = feed.map(([, fields]) => parseFeedFields(fields)).filter((m): m is MarketMessage => m !== null);
    const lastSeq = recent[0]?.sequence ?? 0;
    const messages = new Map<string, Outgoing>();

    const book: OrderBookSnapshot | null = depth ? JSON.parse(depth) : null;
    messages.set(
      channelTopic('orderbook', symbol),
      new Outgoing({
        type: 'OrderBookUpdate',
        symbol,
        bids: book?.bids ?? [],
        asks: book?.asks ?? [],
        timestamp: book?.timestamp ?? now,
        sequence: book?.sequence ?? 0,
        prev_sequence: 0,
      }),
    );

    const stat: MarketStatistics | null = stats ? JSON.parse(stats) : null;
    messages.set(channelTopic('statistics', symbol), new Outgoing({ ...(stat ?? emptyStatistics(symbol, now)), prev_sequence: 0 }));

    INTERVALS.forEach((interval, i) => {
      const raw = candles[i]?.[0];
      if (!raw) return;
      const candle: Candle = JSON.parse(raw);
      const fromFeed = recent.find((m): m is CandlestickUpdate => m.type === 'CandlestickUpdate' && m.interval === interval);
      const message: CandlestickUpdate =
        fromFeed && fromFeed.candle.open_time === candle.open_time
          ? { ...fromFeed, prev_sequence: 0 }
          : {
              type: 'CandlestickUpdate',
              symbol,
              interval,
              candle: { ...candle, timestamp: candle.open_time },
              is_closed: candle.close_time < now,
              sequence: fromFeed?.sequence ?? lastSeq,
              prev_sequence: 0,
            };
      messages.set(candleTopic(symbol, interval), new Outgoing(message));
    });

    return { lastId: feed[0]?.[0] ?? null, messages };
  }
}

/** The message of a feed entry (field `m`), or null when absent or not JSON. */
export function parseFeedFields(fields: string[]): MarketMessage | null {
  const raw = entryField(fields, FIELDS.message);
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as MarketMessage;
  } catch {
    return null;
  }
}
