import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { RateLimitConfig } from '../config/app.config';

/** DI token of the @nestjs/throttler storage that holds the per-user counters. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * In-memory storage (one process), or Redis with REDIS_URL so replicas share one counter per user.
 * Redis commands fail fast while the server is unreachable (no offline queue, one attempt):
 * the service then fails open instead of holding updates back.
 */
export function createRateLimitStorage(config: RateLimitConfig): ThrottlerStorage {
  if (!config.redisUrl) return new ThrottlerStorageService();
  return new ThrottlerStorageRedisService(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
}
