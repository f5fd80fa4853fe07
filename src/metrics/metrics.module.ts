import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { BotCacheModule } from '../cache/cache.module';
import { OutboundModule } from '../outbound/outbound.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { BotOptimizationService } from './bot-optimization.service';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsController } from './metrics.controller';
import { OpsListener } from './ops-listener';
import { PerformanceService } from './performance.service';

/**
 * /performance, /bot-optimization, /db-status and /metrics, behind METRICS_TOKEN when set; with
 * OPS_PORT these and /health* are served on their own listener (OpsListener). The imports are
 * the modules whose typed stats /bot-optimization reads (BatchModule and RedisModule are global).
 */
@Module({
  imports: [BotModule, BotCacheModule, RateLimitModule, OutboundModule],
  controllers: [MetricsController],
  providers: [PerformanceService, BotOptimizationService, MetricsTokenGuard, OpsListener],
})
export class MetricsModule {}
