import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { atMostEvery } from '../common/at-most-every';
import { errorMessage } from '../common/error-message';
import { total } from '../metrics/metric-values';

/** At most one "counting in memory" warning per this interval during an outage. */
const WARN_EVERY_MS = 30_000;

/**
 * Counters shared by replicas in Redis, and in this process's memory while Redis is away, so a
 * Redis outage never lifts the limit (each replica then counts on its own, from zero). Redis is
 * skipped at once while its connection is down, without waiting for a command to fail.
 */
export class FailoverRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimitStorage');
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);
  private readonly memory = new ThrottlerStorageService();
  private readonly fallbacks: Counter;

  constructor(
    private readonly redis: ThrottlerStorage,
    private readonly client: Redis,
    /** Prepended to every key in Redis (this bot's prefix). */
    private readonly prefix: string,
    registry: Registry,
  ) {
    this.fallbacks = new Counter({
      name: 'telegram_bot_rate_limit_fallbacks_total',
      help: 'Rate-limit decisions taken on in-memory counters because Redis was unavailable',
      registers: [registry],
    });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    if (this.client.status === 'ready') {
      try {
        // The shared client's commandTimeout bounds the wait: a hanging Redis counts as failed.
        return await this.redis.increment(
          this.prefix + key,
          ttl,
          limit,
          blockDuration,
          throttlerName,
        );
      } catch (error) {
        if (this.warnGate())
          this.logger.warn(`redis rate limit failed, counting in memory: ${errorMessage(error)}`);
      }
    }
    this.fallbacks.inc();
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /** Decisions taken on in-memory counters because Redis was unavailable. */
  memoryFallbacks(): Promise<number> {
    return total(this.fallbacks);
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }
}
