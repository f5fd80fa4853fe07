import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BatchModule } from './batch/batch.module';
import { BotModule } from './bot/bot.module';
import { AppConfigModule } from './config/config.module';
import { DataDirModule } from './data-dir/data-dir.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsRegistryModule } from './metrics/metrics-registry.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    MetricsRegistryModule,
    DatabaseModule,
    RedisModule,
    ScheduleModule.forRoot(),
    BatchModule,
    BotModule,
    HealthModule,
    MetricsModule,
    // Last: its shutdown hook releases the DATA_DIR lock after the other global modules close.
    DataDirModule,
  ],
})
export class AppModule {}
