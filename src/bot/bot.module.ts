import {
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TelegrafModule } from 'nestjs-telegraf';
import {
  batchConfig,
  telegramConfig,
  type BatchConfig,
  type TelegramConfig,
} from '../config/app.config';
import { I18nModule } from '../i18n/i18n.module';
import { MessagesModule } from '../messages/messages.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AdminService } from './admin/admin.service';
import { BotStatusService } from './bot-status.service';
import { BotHealthIndicator } from './bot.health';
import { BotLifecycle } from './bot.lifecycle';
import { BotMetrics } from './bot.metrics';
import { CommandMenuRegistrar } from './commands/command-menu.registrar';
import { UpdateDeduplicator } from './dispatch/update-deduplicator';
import { MiddlewareChain } from './dispatch/middleware-chain';
import { UpdateDispatcher } from './dispatch/update-dispatcher';
import { IntakeJournal } from './intake/intake-journal';
import { PollingUpdateSource } from './intake/polling.update-source';
import { UpdateIntake } from './intake/update-intake';
import { WebhookMiddleware, webhookPath } from './intake/webhook.middleware';
import { WebhookRegistrar } from './intake/webhook.registrar';
import { TransportModule } from './transport/transport.module';
import { AdminUpdate } from './updates/admin.update';
import { ExpiredButtonUpdate } from './updates/expired-button.update';
import { HelpUpdate } from './updates/help.update';
import { MenuUpdate } from './updates/menu.update';
import { MessageUpdate } from './updates/message.update';
import { MeUpdate } from './updates/me.update';
import { StartUpdate } from './updates/start.update';

/** Telegraf instance, update intake (polling or webhook), dispatcher and the reference bot's handlers. */
@Module({
  imports: [
    TerminusModule,
    UsersModule,
    I18nModule,
    MessagesModule,
    TransportModule,
    RateLimitModule,
    TelegrafModule.forRootAsync({
      inject: [telegramConfig.KEY],
      useFactory: (config: TelegramConfig) => ({
        token: config.token,
        // We feed updates ourselves (see PollingUpdateSource): Telegraf's launch() is never used.
        launchOptions: false,
        options: {
          telegram: { apiRoot: config.apiRoot, webhookReply: false },
          handlerTimeout: Number.POSITIVE_INFINITY,
        },
        // The rate limit and activity recording come first in MiddlewareChain.
      }),
    }),
  ],
  providers: [
    BotStatusService,
    BotHealthIndicator,
    BotMetrics,
    UpdateDeduplicator,
    MiddlewareChain,
    UpdateDispatcher,
    UpdateIntake,
    {
      // Polling only: a webhook update is answered once accepted, Telegram keeps no offset for it.
      provide: IntakeJournal,
      inject: [telegramConfig.KEY, batchConfig.KEY],
      useFactory: (telegram: TelegramConfig, batch: BatchConfig) =>
        telegram.mode === 'polling' && batch.journalDir
          ? new IntakeJournal(batch.journalDir, batch.journalFsync)
          : null,
    },
    PollingUpdateSource,
    WebhookRegistrar,
    BotLifecycle,
    CommandMenuRegistrar,
    AdminService,
    // Handlers: commands and buttons first, the catch-alls last (Telegraf runs them in this order).
    StartUpdate,
    HelpUpdate,
    MeUpdate,
    AdminUpdate,
    MenuUpdate,
    ExpiredButtonUpdate,
    MessageUpdate,
  ],
  exports: [BotStatusService, BotHealthIndicator, UpdateIntake],
})
export class BotModule implements NestModule {
  constructor(@Inject(telegramConfig.KEY) private readonly config: TelegramConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.mode !== 'webhook') return;
    consumer
      .apply(WebhookMiddleware)
      .forRoutes({ path: webhookPath(this.config.webhookUrl!), method: RequestMethod.POST });
  }
}
