import {
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TelegrafModule } from 'nestjs-telegraf';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { MessagesModule } from '../messages/messages.module';
import { MessagesService } from '../messages/messages.service';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { AdminService } from './admin/admin.service';
import { BotStatusService } from './bot-status.service';
import { BotHealthIndicator } from './bot.health';
import { BotLifecycle } from './bot.lifecycle';
import { BotMetrics } from './bot.metrics';
import { UpdateDeduplicator } from './dispatch/update-deduplicator';
import { UpdateDispatcher } from './dispatch/update-dispatcher';
import { PollingUpdateSource } from './intake/polling.update-source';
import { recordActivity } from './intake/record-activity.middleware';
import { UpdateIntake } from './intake/update-intake';
import { WebhookMiddleware, webhookPath } from './intake/webhook.middleware';
import { WebhookRegistrar } from './intake/webhook.registrar';
import { TransportModule } from './transport/transport.module';
import { AdminUpdate } from './updates/admin.update';
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
    MessagesModule,
    TransportModule,
    RateLimitModule,
    TelegrafModule.forRootAsync({
      imports: [UsersModule, MessagesModule, TransportModule, RateLimitModule],
      inject: [telegramConfig.KEY, RateLimitService, MessagesService, UsersService],
      useFactory: (
        config: TelegramConfig,
        rateLimit: RateLimitService,
        messages: MessagesService,
        users: UsersService,
      ) => {
        return {
          token: config.token,
          // We feed updates ourselves (see PollingUpdateSource): Telegraf's launch() is never used.
          launchOptions: false,
          options: {
            telegram: { apiRoot: config.apiRoot, webhookReply: false },
            handlerTimeout: Number.POSITIVE_INFINITY,
          },
          middlewares: [rateLimit.middleware(), recordActivity(messages, users)],
        };
      },
    }),
  ],
  providers: [
    BotStatusService,
    BotHealthIndicator,
    BotMetrics,
    UpdateDeduplicator,
    UpdateDispatcher,
    UpdateIntake,
    PollingUpdateSource,
    WebhookRegistrar,
    BotLifecycle,
    AdminService,
    // Handlers: commands first, the catch-all MessageUpdate last (Telegraf runs them in this order).
    StartUpdate,
    HelpUpdate,
    MeUpdate,
    AdminUpdate,
    MenuUpdate,
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
