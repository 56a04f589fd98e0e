import type { RedisClient } from '@xtrader/platform';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { XtError, type ErrorCode } from '@xtrader/protocol';

/** A budget of `points` per `windowSeconds`; 0 points turns the limit off. */
export interface Budget {
  points: number;
  windowSeconds: number;
}

/** A refusal: the error to answer with and how long until the budget refills. */
export class RateLimited extends XtError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    code: Extract<ErrorCode, 'RATE_LIMITED' | 'FAUCET_USED'> = 'RATE_LIMITED',
  ) {
    super(code, message);
  }
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

/**
 * One named limit shared by every api node: rate-limiter-flexible's Redis limiter (a fixed window
 * per key, one single-key script per check, so it works on a Redis Cluster too).
 */
export class RedisLimit {
  private readonly limiter: RateLimiterRedis | undefined;

  constructor(
    redis: RedisClient,
    keyPrefix: string,
    private readonly budget: Budget,
    /** What is counted, for the message: "login attempts for alice". */
    private readonly what: string,
  ) {
    this.limiter = budget.points > 0 ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points: budget.points, duration: budget.windowSeconds }) : undefined;
  }

  get enabled(): boolean {
    return this.limiter !== undefined;
  }

  /** Spends one point of `key`'s budget; throws {@link RateLimited} when it is spent. */
  async consume(key: string, who: string = key): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(key);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        const per = this.budget.windowSeconds === 1 ? 'per second' : `in ${this.budget.windowSeconds} s`;
        throw new RateLimited(`more than ${this.budget.points} ${this.what} ${per} from ${who}; retry in ${e.msBeforeNext} ms`, e.msBeforeNext);
      }
      throw new XtError('SERVICE_UNAVAILABLE', `the rate limiter is unavailable (${(e as Error).message}); nothing was changed, retry`);
    }
  }
}
