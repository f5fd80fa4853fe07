import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { BatchService } from '../../batch/batch.service';
import { BotCacheService } from '../../cache/bot-cache.service';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { MessagesService } from '../../messages/messages.service';
import { sumOf } from '../../metrics/metric-values';
import { BroadcastService } from '../../outbound/broadcast.service';
import { OutboundService } from '../../outbound/outbound.service';
import { RateLimitService } from '../../rate-limit/rate-limit.service';
import { UsersService } from '../../users/users.service';

export interface BotStats {
  users: number;
  messages: number;
  cacheHitRatio: number | null;
  rateLimited: number;
  pendingWrites: number;
  outboundQueued: number;
}

/** Admin tools: who is an admin, live statistics, broadcasts running in the background. */
@Injectable()
export class AdminService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AdminService.name);
  private readonly admins: Set<number>;
  private readonly running = new Set<Promise<void>>();

  constructor(
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly users: UsersService,
    private readonly messages: MessagesService,
    private readonly batch: BatchService,
    private readonly broadcasts: BroadcastService,
    private readonly cache: BotCacheService,
    private readonly rateLimit: RateLimitService,
    private readonly outbound: OutboundService,
  ) {
    this.admins = new Set(config.adminIds);
  }

  isAdmin(userId: number | undefined): boolean {
    return userId !== undefined && this.admins.has(userId);
  }

  async stats(): Promise<BotStats> {
    const [users, messages, cache, rateLimit, outbound] = await Promise.all([
      this.users.count(),
      this.messages.count(),
      this.cache.stats.snapshot(),
      this.rateLimit.stats.snapshot(),
      this.outbound.stats.snapshot(),
    ]);
    return {
      users,
      messages,
      cacheHitRatio: cache.hitRatio,
      rateLimited: rateLimit.limited,
      pendingWrites: this.batch.snapshot().pending.total,
      outboundQueued: sumOf(outbound.queued),
    };
  }

  /**
   * Starts a broadcast to every user and returns the recipient count at once; `report` receives
   * the result. It runs outside the update so the admin's chat is not blocked for minutes.
   */
  async startBroadcast(
    text: string,
    report: (r: { sent: number; failed: number; blocked: number }) => Promise<unknown>,
  ): Promise<number> {
    await this.batch.flushed();
    const recipients = await this.users.count();
    const job = this.broadcasts
      .broadcast(text, this.users.allIds())
      .then(report)
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error(`broadcast failed: ${(error as Error).message}`))
      .finally(() => this.running.delete(job));
    this.running.add(job);
    return recipients;
  }

  /** A broadcast in progress is given the shutdown grace to finish; what it did not send is logged. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size) {
      this.logger.warn(`waiting for ${this.running.size} broadcast(s) to finish`);
      await Promise.race([
        Promise.all(this.running),
        new Promise((r) => setTimeout(r, 10_000).unref()),
      ]);
    }
  }
}
