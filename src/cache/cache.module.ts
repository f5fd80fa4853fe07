import { CacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import type { RedisClientType } from '@keyv/redis';
import { createKeyv } from 'cacheable';
import { Keyv } from 'keyv';
import {
  cacheConfig,
  telegramConfig,
  type CacheConfig,
  type TelegramConfig,
} from '../config/app.config';
import { redisKey } from '../redis/redis-keys';
import { CACHE_REDIS_CLIENT } from '../redis/redis.module';
import { BotCacheService } from './bot-cache.service';

/**
 * A Keyv store on RedisModule's cache connection (reconnects, errors handled there), its keys
 * under this bot's prefix. Loaded only with REDIS_URL: @keyv/redis adds RSS a single instance
 * never uses.
 */
async function redisStore(client: RedisClientType, botId: number): Promise<Keyv> {
  const { default: KeyvRedis } = await import('@keyv/redis');
  /**
   * The cache manager disconnects its stores in onModuleDestroy, before the bot drains, and a
   * QUIT sent while node-redis is reconnecting never settles: RedisModule owns this connection
   * and closes it after the drain.
   */
  class BorrowedConnectionStore extends KeyvRedis<unknown> {
    override async disconnect(): Promise<void> {}
  }
  // throwOnConnectError off: while Redis is away a read is a miss and a write is skipped.
  const store = new BorrowedConnectionStore(client, { throwOnConnectError: false });
  return new Keyv({ store, namespace: redisKey(botId, 'cache') });
}

/** In-memory LRU (CACHE_MAX entries, CACHE_TTL seconds) or, with REDIS_URL, a cache shared by replicas. */
@Module({
  imports: [
    CacheModule.registerAsync({
      inject: [cacheConfig.KEY, telegramConfig.KEY, CACHE_REDIS_CLIENT],
      useFactory: async (
        config: CacheConfig,
        telegram: TelegramConfig,
        client: RedisClientType | null,
      ) => ({
        ttl: config.ttlSec * 1000,
        stores: [
          client
            ? await redisStore(client, telegram.botId)
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
