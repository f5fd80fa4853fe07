import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { OutboundModule } from '../../outbound/outbound.module';
import { OutboundService } from '../../outbound/outbound.service';
import { BotApiClient } from './bot-api-client';
import { BOT_TELEGRAM, GovernedTelegram } from './telegram-transport';

/** The connection pool, the outbound governor and the one Telegram client built on them. */
@Module({
  imports: [OutboundModule],
  providers: [
    {
      provide: BotApiClient,
      inject: [telegramConfig.KEY],
      // Sized for the dispatcher's concurrency, plus the long poll and lifecycle calls.
      useFactory: (config: TelegramConfig) =>
        new BotApiClient(config.apiRoot, config.token, config.dispatchConcurrency + 8),
    },
    {
      provide: BOT_TELEGRAM,
      inject: [telegramConfig.KEY, BotApiClient, OutboundService],
      useFactory: (config: TelegramConfig, client: BotApiClient, outbound: OutboundService) => {
        const telegram = new GovernedTelegram(config.token, config.apiRoot, client, outbound);
        outbound.useClient(telegram);
        return telegram;
      },
    },
  ],
  exports: [BOT_TELEGRAM, OutboundModule],
})
export class TransportModule implements OnApplicationShutdown {
  constructor(@Inject(BotApiClient) private readonly client: BotApiClient) {}

  /** Runs after the bot drained (beforeApplicationShutdown): nothing is in flight any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.destroy();
  }
}
