import { symbolKeys, XtError } from '@xtrader/protocol';
import { pipelineEach, type Logger, type RedisClient } from '@xtrader/platform';

export interface MarketHealthOptions {
  /** How often the engines' heartbeats are read (one pipelined read for every symbol). */
  checkMs: number;
  /**
   * How long a market's orders are still accepted (and queued) after its engine's heartbeat was
   * last seen: time for a standby to take the lease over.
   */
  graceMs: number;
}

/** Defaults of the api's `API_ENGINE_CHECK_MS` and `API_MARKET_GRACE_MS`. */
export const DEFAULT_MARKET_HEALTH: MarketHealthOptions = { checkMs: 1_000, graceMs: 15_000 };

/**
 * Which markets have an engine: each engine holding a lease keeps a heartbeat key with a TTL;
 * this reads them in the background, so the order path asks memory, not Redis. A market whose
 * heartbeat has been missing for longer than the grace no longer accepts orders. While Redis
 * does not answer nothing is concluded (placing fails on its own then).
 */
export class MarketHealth {
  private readonly lastSeen = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly symbols: readonly string[],
    private readonly opts: MarketHealthOptions,
    private readonly log: Logger,
  ) {
    // Until the first read, every market counts as just seen: a node that starts accepts orders.
    const now = Date.now();
    for (const s of symbols) this.lastSeen.set(s, now);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.opts.checkMs);
    this.timer.unref();
    void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Records which heartbeats exist now. */
  async check(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const replies = await pipelineEach(this.redis, this.symbols, (p, s) => p.exists(symbolKeys(s, this.prefix).heartbeat));
      const now = Date.now();
      this.symbols.forEach((s, i) => {
        const [err, exists] = replies[i] ?? [new Error('no reply'), 0];
        if (!err && exists === 1) this.lastSeen.set(s, now);
      });
    } catch {
      // Redis is away: keep what was known.
    } finally {
      this.reading = false;
    }
  }

  /** Whether orders for `symbol` are accepted (its engine was seen within the grace). */
  accepting(symbol: string): boolean {
    return Date.now() - (this.lastSeen.get(symbol) ?? 0) <= this.opts.graceMs;
  }

  /** Throws 503 MARKET_UNAVAILABLE when `symbol` does not accept orders. */
  assertAccepting(symbol: string): void {
    if (this.accepting(symbol)) return;
    const silentS = Math.round((Date.now() - (this.lastSeen.get(symbol) ?? 0)) / 1000);
    this.log.debug('order refused: market unavailable', { symbol, silentS });
    throw new XtError('MARKET_UNAVAILABLE', `no engine has served ${symbol} for ${silentS} s; nothing was appended, retry later (GET /readyz shows each market's engine)`);
  }
}
