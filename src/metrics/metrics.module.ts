import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { BotOptimizationService } from './bot-optimization.service';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsController } from './metrics.controller';
import { PerformanceService } from './performance.service';

/** /performance, /bot-optimization, /db-status and /metrics, behind METRICS_TOKEN when set. */
@Module({
  imports: [BotModule],
  controllers: [MetricsController],
  providers: [PerformanceService, BotOptimizationService, MetricsTokenGuard],
})
export class MetricsModule {}
