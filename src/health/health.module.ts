import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BotModule } from '../bot/bot.module';
import { HealthController } from './health.controller';
import { HealthLogger } from './health.logger';

/** /health, /health/live and /health/ready. */
@Module({
  imports: [
    TerminusModule.forRoot({
      errorLogStyle: 'json',
      logger: HealthLogger,
      gracefulShutdownTimeoutMs: 0,
    }),
    BotModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
