import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { Registry } from 'prom-client';
import type { Context, MiddlewareFn } from 'telegraf';
import { atMostEvery } from '../common/at-most-every';
import { withTimeout } from '../common/timeout';
import {
  rateLimitConfig,
  telegramConfig,
  type RateLimitConfig,
  type TelegramConfig,
} from '../config/app.config';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { FailoverRateLimitStorage } from './failover-rate-limit.storage';
import { RateLimitMetrics, type RateLimitStats } from './rate-limit.metrics';
import { RATE_LIMIT_STORAGE } from './rate-limit.storage';
import { I18nService } from '../i18n/i18n.service';

/** What the limiter decided for one update. */
export type RateLimitDecision =
  { allowed: true } | { allowed: false; retryAfterSec: number; notify: boolean };

const HITS = 'rate-limit';
const NOTICES = 'rate-limit-notice';
/** A storage round trip slower than this counts as a failure (fail open). */
const STORAGE_TIMEOUT_MS = 1000;
/** At most one "storage down" warning per this interval, so an outage does not flood the log. */
const WARN_EVERY_MS = 30_000;

/**
 * Per-user limit (RATE_LIMIT updates per RATE_LIMIT_WINDOW seconds) on @nestjs/throttler storage.
 * Exceeding the limit blocks the user for one full window; updates during the block are dropped and
 * the user gets one notice per block. A storage failure lets updates through (fail open).
 */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);
  private readonly metrics: RateLimitMetrics;
  private readonly admins: ReadonlySet<number>;
  private readonly windowMs: number;
  private readonly warnGate = atMostEvery(WARN_EVERY_MS);

  constructor(
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: ThrottlerStorage,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
    @Inject(telegramConfig.KEY) telegram: TelegramConfig,
    @InjectMetricsRegistry() registry: Registry,
    private readonly i18n: I18nService,
  ) {
    this.metrics = new RateLimitMetrics(
      registry,
      storage instanceof FailoverRateLimitStorage ? () => storage.memoryFallbacks() : undefined,
    );
    this.admins = new Set(telegram.adminIds);
    this.windowMs = config.windowSec * 1000;
  }

  /** Dropped updates, notices and storage failures, for the operator endpoints and /stats. */
  get stats(): RateLimitStats {
    return this.metrics;
  }

  /** Counts one update of `userId` and decides whether it may be processed. Never throws. */
  async check(userId: number): Promise<RateLimitDecision> {
    if (this.admins.has(userId)) return { allowed: true };
    const key = `tg-user:${userId}`;
    try {
      // blockDuration = one window, so memory and Redis agree: over the limit means blocked for one
      // full window from the first dropped update (memory counts a sliding window, Redis a fixed one).
      const hit = await this.increment(key, this.config.limit, HITS, this.windowMs);
      if (!hit.isBlocked) return { allowed: true };
      const retryAfterSec = Math.max(1, hit.timeToBlockExpire);
      this.metrics.recordLimited(userId, retryAfterSec * 1000, Date.now());
      // One notice per block: a counter that lives exactly as long as this block. Its own key, since
      // the in-memory storage keeps one "blocked" flag per key across throttler names.
      const notice = await this.increment(
        `tg-user-notice:${userId}`,
        1,
        NOTICES,
        retryAfterSec * 1000,
      );
      return { allowed: false, retryAfterSec, notify: !notice.isBlocked };
    } catch (error) {
      this.metrics.storageErrors.inc();
      if (this.warnGate()) {
        this.logger.warn(
          `rate-limit storage failed, letting updates through: ${(error as Error).message}`,
        );
      }
      return { allowed: true };
    }
  }

  /**
   * Telegraf middleware for every update: over the limit, the update is not passed on and the user
   * gets at most one notice per window, in private chats (a callback query is answered with it
   * instead; group chats get none). Admins
   * (ADMIN_USER_ID) are exempt; updates without a sender pass.
   */
  middleware(): MiddlewareFn<Context> {
    return async (ctx, next) => {
      const userId = ctx.from?.id;
      // What users send counts; `my_chat_member` is Telegram saying the user blocked the bot.
      if (userId === undefined || !(ctx.message || ctx.callbackQuery)) return next();
      const decision = await this.check(userId);
      if (decision.allowed) return next();
      if (decision.notify) await this.notify(ctx, decision.retryAfterSec);
    };
  }

  private async notify(ctx: Context, retryAfterSec: number): Promise<void> {
    const text = this.i18n.t(this.i18n.languageOf(ctx.from), 'rate-limited', {
      retryAfter: retryAfterSec,
    });
    try {
      if (ctx.callbackQuery) {
        await ctx.answerCbQuery(text);
      } else if (ctx.chat?.type === 'private') {
        await ctx.telegram.sendMessage(ctx.chat.id, text);
      } else {
        // Not in groups: the notice would be posted for everyone to see, for one member's chatter.
        return;
      }
      this.metrics.notices.inc();
    } catch (error) {
      this.logger.warn(
        `rate-limit notice not delivered (update ${ctx.update.update_id}): ${(error as Error).message}`,
      );
    }
  }

  private increment(key: string, limit: number, name: string, ttlMs: number) {
    const hit = this.storage.increment(key, ttlMs, limit, ttlMs, name);
    // Only a remote storage can hang; the in-memory one needs no timer per update.
    return this.storage instanceof ThrottlerStorageService
      ? hit
      : withTimeout(hit, STORAGE_TIMEOUT_MS, 'rate-limit storage');
  }
}
