import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { redisKey } from '../redis/redis-keys';
import { FailoverRateLimitStorage } from './failover-rate-limit.storage';

/** DI token of the @nestjs/throttler storage that holds the per-user counters. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * In-memory storage (one process), or with REDIS_URL counters that replicas share in Redis, on
 * RedisModule's shared connection, falling back to memory while Redis is away.
 */
export async function createRateLimitStorage(
  redis: Redis | null,
  botId: number,
  registry: Registry,
): Promise<ThrottlerStorage> {
  if (!redis) return new ThrottlerStorageService();
  // Loaded only when used, like the Redis client itself.
  const { ThrottlerStorageRedisService } = await import('@nest-lab/throttler-storage-redis');
  // Given a client, the storage leaves closing it to RedisModule.
  const shared = new ThrottlerStorageRedisService(redis);
  return new FailoverRateLimitStorage(shared, redis, redisKey(botId, 'rate-limit', ''), registry);
}
