import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BotStatusService } from './bot-status.service';
import { BotHealthIndicator } from './bot.health';

/** Telegraf instance, update intake (polling or webhook), dispatcher and the reference bot's handlers. */
@Module({
  imports: [TerminusModule],
  providers: [BotStatusService, BotHealthIndicator],
  exports: [BotStatusService, BotHealthIndicator],
})
export class BotModule {}
