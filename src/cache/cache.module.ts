import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { createKeyv } from 'cacheable';
import { Keyv } from 'keyv';
import { cacheConfig, type CacheConfig } from '../config/app.config';
import { BotCacheService } from './bot-cache.service';

/** In-memory LRU (CACHE_MAX entries, CACHE_TTL seconds) or, with REDIS_URL, a cache shared by replicas. */
@Module({
  imports: [
    CacheModule.registerAsync({
      inject: [cacheConfig.KEY],
      useFactory: (config: CacheConfig) => ({
        ttl: config.ttlSec * 1000,
        stores: [
          config.redisUrl
            ? new Keyv({ store: new KeyvRedis(config.redisUrl), namespace: 'tgbot' })
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
