import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Registry } from 'prom-client';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { I18nModule } from '../i18n/i18n.module';
import { METRICS_REGISTRY } from '../metrics/metrics.registry';
import { REDIS_CLIENT } from '../redis/redis.module';
import { RateLimitService } from './rate-limit.service';
import { createRateLimitStorage, RATE_LIMIT_STORAGE } from './rate-limit.storage';

/** Per-user rate limit for bot updates, on @nestjs/throttler storage (memory, or Redis with REDIS_URL). */
@Module({
  imports: [I18nModule],
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [REDIS_CLIENT, telegramConfig.KEY, METRICS_REGISTRY],
      useFactory: (redis: Redis | null, telegram: TelegramConfig, registry: Registry) =>
        createRateLimitStorage(redis, telegram.botId, registry),
    },
    RateLimitService,
  ],
  exports: [RateLimitService],
})
export class RateLimitModule {}
