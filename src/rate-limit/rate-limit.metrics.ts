import { Counter, Gauge, type Registry } from 'prom-client';
import { total } from '../metrics/metric-values';

/** What the rate limit has done, for /bot-optimization and /stats. */
export interface RateLimitSnapshot {
  /** Updates dropped because their user was over the limit. */
  limited: number;
  notices: number;
  /** Distinct users whose block has not expired yet. */
  limitedUsers: number;
  /** Storage failures: the limiter fails open and lets the update through. */
  storageErrors: number;
  /** With Redis: decisions taken on in-memory counters while Redis was away (0 without Redis). */
  memoryFallbacks: number;
}

/** The read side of the rate limit's counters. */
export interface RateLimitStats {
  snapshot(): Promise<RateLimitSnapshot>;
}

/** Rate-limit counters: scraped by Prometheus and read through snapshot(). */
export class RateLimitMetrics implements RateLimitStats {
  readonly limited: Counter;
  readonly notices: Counter;
  readonly storageErrors: Counter;
  /** user id → when their block ends (ms epoch); pruned when read and, amortised, when it grows. */
  private readonly limitedUntil = new Map<number, number>();
  private pruneAt = 1024;

  /** `memoryFallbacks` is counted by the Redis failover storage, when there is one. */
  constructor(
    registry: Registry,
    private readonly memoryFallbacks: () => Promise<number> = () => Promise.resolve(0),
    private readonly now: () => number = Date.now,
  ) {
    this.limited = new Counter({
      name: 'telegram_bot_rate_limited_total',
      help: 'Updates dropped because their user was over the rate limit',
      registers: [registry],
    });
    this.notices = new Counter({
      name: 'telegram_bot_rate_limit_notices_total',
      help: '"Slow down" notices sent (at most one per user per window)',
      registers: [registry],
    });
    this.storageErrors = new Counter({
      name: 'telegram_bot_rate_limit_storage_errors_total',
      help: 'Rate-limit storage failures (the update was let through: fail open)',
      registers: [registry],
    });
    const users = (t: number) => this.limitedUsers(t);
    new Gauge({
      name: 'telegram_bot_rate_limited_users',
      help: 'Distinct users currently over the rate limit (seen by this process, block not yet expired)',
      registers: [registry],
      collect() {
        this.set(users(now()));
      },
    });
  }

  async snapshot(): Promise<RateLimitSnapshot> {
    const [limited, notices, storageErrors, memoryFallbacks] = await Promise.all([
      total(this.limited),
      total(this.notices),
      total(this.storageErrors),
      this.memoryFallbacks(),
    ]);
    return {
      limited,
      notices,
      limitedUsers: this.limitedUsers(this.now()),
      storageErrors,
      memoryFallbacks,
    };
  }

  /** Records a dropped update of `userId`, blocked for `retryAfterMs` more. */
  recordLimited(userId: number, retryAfterMs: number, now: number): void {
    this.limited.inc();
    this.limitedUntil.set(userId, now + retryAfterMs);
    // Bounded even when nobody reads the gauge: prune when the map has doubled since last time.
    if (this.limitedUntil.size >= this.pruneAt) {
      this.pruneAt = Math.max(1024, 2 * this.limitedUsers(now));
    }
  }

  /** Distinct users currently limited (same value as the gauge). */
  limitedUsers(now: number): number {
    for (const [user, until] of this.limitedUntil) if (until <= now) this.limitedUntil.delete(user);
    return this.limitedUntil.size;
  }
}
