import { Module } from '@nestjs/common';
import { BotModule } from './bot/bot.module';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsRegistryModule } from './metrics/metrics-registry.module';
import { MetricsModule } from './metrics/metrics.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    MetricsRegistryModule,
    DatabaseModule,
    BotModule,
    HealthModule,
    MetricsModule,
  ],
})
export class AppModule {}
