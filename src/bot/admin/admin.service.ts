import { Inject, Injectable } from '@nestjs/common';
import type { MessageEntity } from 'telegraf/types';
import { BatchService } from '../../batch/batch.service';
import { BroadcastsService } from '../../broadcasts/broadcasts.service';
import type { Campaign } from '../../broadcasts/campaign';
import { BotCacheService } from '../../cache/bot-cache.service';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import type { Language } from '../../i18n/i18n.languages';
import { MessagesService } from '../../messages/messages.service';
import { sumOf } from '../../metrics/metric-values';
import { OutboundService } from '../../outbound/outbound.service';
import { RateLimitService } from '../../rate-limit/rate-limit.service';
import { BlockedUsersService } from '../../users/blocked-users.service';

export interface BotStats {
  users: number;
  /** Users who have not blocked the bot. */
  activeUsers: number;
  blockedUsers: number;
  messages: number;
  cacheHitRatio: number | null;
  rateLimited: number;
  pendingWrites: number;
  outboundQueued: number;
}

/** A `/broadcast` command: what to send and where it came from. */
export interface BroadcastRequest {
  text: string;
  entities: MessageEntity[] | null;
  chatId: number;
  messageId: number;
  language: Language;
}

/** Admin tools: who is an admin, live statistics, broadcast campaigns. */
@Injectable()
export class AdminService {
  private readonly admins: Set<number>;

  constructor(
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly users: BlockedUsersService,
    private readonly messages: MessagesService,
    private readonly batch: BatchService,
    private readonly broadcasts: BroadcastsService,
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
      this.users.counts(),
      this.messages.count(),
      this.cache.stats.snapshot(),
      this.rateLimit.stats.snapshot(),
      this.outbound.stats.snapshot(),
    ]);
    return {
      users: users.total,
      activeUsers: users.total - users.blocked,
      blockedUsers: users.blocked,
      messages,
      cacheHitRatio: cache.hitRatio,
      rateLimited: rateLimit.limited,
      pendingWrites: this.batch.snapshot().pending.total,
      outboundQueued: sumOf(outbound.queued),
    };
  }

  /**
   * Stores a campaign to every user who has not blocked the bot (users still in the write buffer
   * included), or finds the one this command already started; null when another one is active.
   */
  async startBroadcast(request: BroadcastRequest): Promise<Campaign | null> {
    await this.batch.flushed();
    return this.broadcasts.start({
      text: request.text,
      entities: request.entities,
      sourceChatId: request.chatId,
      sourceMessageId: request.messageId,
      statusChatId: request.chatId,
      language: request.language,
    });
  }

  /** The campaign starts sending once its status message exists (the message it edits). */
  statusMessageSent(campaign: Campaign, messageId: number): Promise<void> {
    return this.broadcasts.statusMessageSent(campaign.id, messageId);
  }

  statusText(campaign: Campaign): string {
    return this.broadcasts.statusText(campaign);
  }

  pauseBroadcast(): Promise<Campaign | null> {
    return this.broadcasts.pause();
  }

  resumeBroadcast(): Promise<Campaign | null> {
    return this.broadcasts.resume();
  }

  cancelBroadcast(): Promise<Campaign | null> {
    return this.broadcasts.cancel();
  }
}
