import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { cacheConfig, type CacheConfig } from '../config/app.config';

/** DI token of the shared ioredis client; `null` when REDIS_URL is unset (single instance). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const InjectRedis = () => Inject(REDIS_CLIENT);

const logger = new Logger('Redis');

/** One Redis connection for state replicas share (update claims); absent without REDIS_URL. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [cacheConfig.KEY],
      useFactory: async (config: CacheConfig): Promise<Redis | null> => {
        if (!config.redisUrl) return null;
        // Loaded only with REDIS_URL, like every Redis client here (RSS of a single instance).
        const { default: Redis } = await import('ioredis');
        // Fail fast while Redis is down: one retry, one second per command.
        const client = new Redis(config.redisUrl, {
          maxRetriesPerRequest: 1,
          commandTimeout: 1000,
        });
        client.on('error', (error: Error) => logger.warn(`redis: ${error.message}`));
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for a connection that may never come while Redis is down.
    if (this.redis?.status === 'ready') await this.redis.quit().catch(() => undefined);
    else this.redis?.disconnect();
  }
}
