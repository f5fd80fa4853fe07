import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BotModule } from '../bot/bot.module';
import { HealthController } from './health.controller';

/** /health, /health/live and /health/ready. */
@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }),
    BotModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
