import { Module } from '@nestjs/common';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { OutboundModule } from '../../outbound/outbound.module';
import { keepAliveAgent, TELEGRAM_AGENT } from './telegram-transport';

/** The HTTP agent and the outbound governor every Telegram client of the bot uses. */
@Module({
  imports: [OutboundModule],
  providers: [
    {
      provide: TELEGRAM_AGENT,
      inject: [telegramConfig.KEY],
      useFactory: (config: TelegramConfig) =>
        keepAliveAgent(config.apiRoot, config.dispatchConcurrency + 8),
    },
  ],
  exports: [TELEGRAM_AGENT, OutboundModule],
})
export class TransportModule {}
