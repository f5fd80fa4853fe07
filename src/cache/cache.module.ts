import { CacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { createKeyv } from 'cacheable';
import { Keyv } from 'keyv';
import { cacheConfig, type CacheConfig } from '../config/app.config';
import { BotCacheService } from './bot-cache.service';

/** Loaded only with REDIS_URL: @keyv/redis and its client add ~40 MB of RSS to a single instance. */
async function redisStore(url: string): Promise<Keyv> {
  const { default: KeyvRedis } = await import('@keyv/redis');
  return new Keyv({ store: new KeyvRedis(url), namespace: 'tgbot' });
}

/** In-memory LRU (CACHE_MAX entries, CACHE_TTL seconds) or, with REDIS_URL, a cache shared by replicas. */
@Module({
  imports: [
    CacheModule.registerAsync({
      inject: [cacheConfig.KEY],
      useFactory: async (config: CacheConfig) => ({
        ttl: config.ttlSec * 1000,
        stores: [
          config.redisUrl
            ? await redisStore(config.redisUrl)
            : // createKeyv also skips (de)serialisation: values stay plain objects in memory.
              createKeyv({ ttl: config.ttlSec * 1000, lruSize: config.max }),
        ],
      }),
    }),
  ],
  providers: [BotCacheService],
  exports: [BotCacheService],
})
export class BotCacheModule {}
