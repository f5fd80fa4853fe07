import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { atMostEvery } from '../common/at-most-every';
import type { RateLimitConfig } from '../config/app.config';
import { MemoryRateLimitStorage } from './memory-rate-limit.storage';

/** DI token of the @nestjs/throttler storage that holds the per-user counters. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

const logger = new Logger('RateLimitStorage');
/** Connection errors repeat on every reconnect attempt: log at most one per interval. */
const ERROR_LOG_EVERY_MS = 30_000;

/**
 * In-memory storage (one process), or Redis with REDIS_URL so replicas share one counter per user.
 * Redis commands fail fast while the server is unreachable (no offline queue, one attempt):
 * the service then fails open instead of holding updates back.
 */
export async function createRateLimitStorage(config: RateLimitConfig): Promise<ThrottlerStorage> {
  if (!config.redisUrl) return new MemoryRateLimitStorage();
  // Loaded only when used: the Redis client adds ~30 MB of RSS to a single-instance bot.
  const { ThrottlerStorageRedisService } = await import('@nest-lab/throttler-storage-redis');
  // Given a URL, the storage owns its connection and closes it on module destroy.
  const storage = new ThrottlerStorageRedisService(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
  const logGate = atMostEvery(ERROR_LOG_EVERY_MS);
  storage.redis.on('error', (error: Error) => {
    if (!logGate()) return;
    logger.warn(`redis unavailable, rate limit fails open: ${error.message}`);
  });
  return storage;
}
