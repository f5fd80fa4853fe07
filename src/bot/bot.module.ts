import {
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TelegrafModule } from 'nestjs-telegraf';
import { BroadcastsModule } from '../broadcasts/broadcasts.module';
import { BotCacheModule } from '../cache/cache.module';
import type Redis from 'ioredis';
import {
  batchConfig,
  leaseConfig,
  telegramConfig,
  type BatchConfig,
  type LeaseConfig,
  type TelegramConfig,
} from '../config/app.config';
import { REDIS_CLIENT } from '../redis/redis.module';
import { DataDirLock } from '../data-dir/data-dir.lock';
import { I18nModule } from '../i18n/i18n.module';
import { MessagesModule } from '../messages/messages.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { AdminService } from './admin/admin.service';
import { BotIdentity } from './bot-identity';
import { BotMiddlewares, BotMiddlewaresModule } from './bot-middlewares';
import { BotStatusService } from './bot-status.service';
import { BotHealthIndicator } from './bot.health';
import { BotLifecycle } from './bot.lifecycle';
import { BotMetrics } from './bot.metrics';
import { CommandMenuRegistrar } from './commands/command-menu.registrar';
import { UpdateDeduplicator } from './dispatch/update-deduplicator';
import { BotContext } from './dispatch/bot-context';
import { UpdateDispatcher } from './dispatch/update-dispatcher';
import { PollingLease } from './intake/polling-lease';
import { PollingLeaseMetrics } from './intake/polling-lease.metrics';
import { PollingUpdateSource } from './intake/polling.update-source';
import { WebhookMiddleware, webhookPath } from './intake/webhook.middleware';
import { WebhookRegistrar } from './intake/webhook.registrar';
import { IntakeJournal } from './ledger/intake-journal';
import { ReplicaIdentity } from './ledger/replica-identity';
import { UpdateClaims } from './ledger/update-claims';
import { UpdateLedger } from './ledger/update-ledger';
import { WebhookSecretLimiter } from './intake/webhook-secret.limiter';
import { TransportModule } from './transport/transport.module';
import { AdminUpdate } from './updates/admin.update';
import { ChatMemberUpdate } from './updates/chat-member.update';
import { ExpiredButtonUpdate } from './updates/expired-button.update';
import { HelpUpdate } from './updates/help.update';
import { MenuUpdate } from './updates/menu.update';
import { MessageUpdate } from './updates/message.update';
import { MeUpdate } from './updates/me.update';
import { SettingsUpdate } from './updates/settings.update';
import { SettingsWizard } from './updates/settings.wizard';
import { StartUpdate } from './updates/start.update';

/** Telegraf instance, update intake (polling or webhook), dispatcher and the reference bot's handlers. */
@Module({
  imports: [
    TerminusModule,
    BotCacheModule,
    UsersModule,
    I18nModule,
    MessagesModule,
    TransportModule,
    RateLimitModule,
    BroadcastsModule,
    TelegrafModule.forRootAsync({
      imports: [BotMiddlewaresModule],
      inject: [telegramConfig.KEY, BotMiddlewares],
      useFactory: (config: TelegramConfig, middlewares: BotMiddlewares) => ({
        token: config.token,
        // We feed updates ourselves (see PollingUpdateSource): Telegraf's launch() is never used.
        launchOptions: false,
        options: {
          telegram: { apiRoot: config.apiRoot, webhookReply: false },
          // The dispatcher keeps the deadline (UPDATE_TIMEOUT_MS).
          handlerTimeout: Number.POSITIVE_INFINITY,
          contextType: BotContext,
        },
        // Before the scenes and every handler: the rate limit, storing the message, the session.
        middlewares: middlewares.list(),
      }),
    }),
  ],
  providers: [
    BotStatusService,
    BotIdentity,
    BotHealthIndicator,
    BotMetrics,
    UpdateDeduplicator,
    UpdateDispatcher,
    UpdateLedger,
    {
      provide: IntakeJournal,
      // The DATA_DIR lock is held before the journal opens its files.
      inject: [batchConfig.KEY, DataDirLock],
      useFactory: (batch: BatchConfig, lock: DataDirLock | null) =>
        batch.journalDir ? new IntakeJournal(batch.journalDir, batch.journalFsync, { lock }) : null,
    },
    {
      provide: ReplicaIdentity,
      // Replicas sharing Redis (polling with the lease, or webhooks); DATA_DIR is this process's
      // (its lock is held) before the id is read.
      inject: [leaseConfig.KEY, telegramConfig.KEY, REDIS_CLIENT, DataDirLock],
      useFactory: (lease: LeaseConfig, telegram: TelegramConfig, redis: Redis | null) =>
        (lease.enabled || telegram.mode === 'webhook') && redis
          ? new ReplicaIdentity(lease.dataDir)
          : null,
    },
    {
      provide: UpdateClaims,
      // Claims need the journal: a replica claims only what it holds durably.
      inject: [telegramConfig.KEY, batchConfig.KEY, REDIS_CLIENT, ReplicaIdentity],
      useFactory: (
        telegram: TelegramConfig,
        batch: BatchConfig,
        redis: Redis | null,
        identity: ReplicaIdentity | null,
      ) =>
        redis && identity && batch.journalDir
          ? new UpdateClaims(redis, telegram.botId, identity.id)
          : null,
    },
    PollingLeaseMetrics,
    PollingLease,
    PollingUpdateSource,
    WebhookRegistrar,
    WebhookSecretLimiter,
    BotLifecycle,
    CommandMenuRegistrar,
    AdminService,
    // Handlers: commands and buttons first, the catch-alls last (Telegraf runs them in this order).
    StartUpdate,
    HelpUpdate,
    MeUpdate,
    SettingsUpdate,
    SettingsWizard,
    AdminUpdate,
    ChatMemberUpdate,
    MenuUpdate,
    ExpiredButtonUpdate,
    MessageUpdate,
  ],
  exports: [BotStatusService, BotHealthIndicator, BotMetrics, PollingLease],
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
