import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { BotOptimizationService } from './bot-optimization.service';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsController } from './metrics.controller';
import { OpsListener } from './ops-listener';
import { PerformanceService } from './performance.service';

/**
 * /performance, /bot-optimization, /db-status and /metrics, behind METRICS_TOKEN when set; with
 * OPS_PORT these and /health* are served on their own listener (OpsListener).
 */
@Module({
  imports: [BotModule],
  controllers: [MetricsController],
  providers: [PerformanceService, BotOptimizationService, MetricsTokenGuard, OpsListener],
})
export class MetricsModule {}
