import { Module } from '@nestjs/common';
import { rateLimitConfig, type RateLimitConfig } from '../config/app.config';
import { RateLimitService } from './rate-limit.service';
import { createRateLimitStorage, RATE_LIMIT_STORAGE } from './rate-limit.storage';

/** Per-user rate limit for bot updates, on @nestjs/throttler storage (memory, or Redis with REDIS_URL). */
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [rateLimitConfig.KEY],
      useFactory: (config: RateLimitConfig) => createRateLimitStorage(config),
    },
    RateLimitService,
  ],
  exports: [RateLimitService],
})
export class RateLimitModule {}
