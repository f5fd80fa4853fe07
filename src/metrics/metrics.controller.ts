import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DatabaseStatusService } from '../database/database-status.service';
import { BotOptimizationService } from './bot-optimization.service';
import { MetricsTokenGuard } from './metrics-token.guard';
import { InjectMetricsRegistry } from './metrics.registry';
import { PerformanceService } from './performance.service';

/**
 * Operator endpoints: the JSON ones read the modules' typed stats and the database, /metrics the
 * registry; none calls Telegram.
 */
@Controller()
@UseGuards(MetricsTokenGuard)
export class MetricsController {
  constructor(
    @InjectMetricsRegistry() private readonly registry: Registry,
    private readonly performance: PerformanceService,
    private readonly bot: BotOptimizationService,
    private readonly database: DatabaseStatusService,
  ) {}

  @Get('performance')
  performanceStats() {
    return this.performance.snapshot();
  }

  @Get('bot-optimization')
  botOptimization() {
    return this.bot.snapshot();
  }

  /** Always 200: `connected: false` reports an outage; /health and /health/ready answer 503 for it. */
  @Get('db-status')
  dbStatus() {
    return this.database.snapshot();
  }

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
