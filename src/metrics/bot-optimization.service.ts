import { Inject, Injectable } from '@nestjs/common';
import { BatchService } from '../batch/batch.service';
import type { BatchStats } from '../batch/batch.metrics';
import {
  BotMetrics,
  type UpdateStats,
  type DispatcherSnapshot,
  type PollingSnapshot,
} from '../bot/bot.metrics';
import { BotStatusService } from '../bot/bot-status.service';
import { PollingLease } from '../bot/intake/polling-lease';
import { BotCacheService } from '../cache/bot-cache.service';
import {
  cacheConfig,
  rateLimitConfig,
  telegramConfig,
  type CacheConfig,
  type RateLimitConfig,
  type TelegramConfig,
} from '../config/app.config';
import { OutboundService } from '../outbound/outbound.service';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { RedisHealth } from '../redis/redis.health';
import { share, sumOf } from './metric-values';

const round3 = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
const toMs = (sec: number | null) => (sec === null ? null : Math.round(sec * 100_000) / 100);
const ageSec = (at: Date | null) =>
  at ? Math.max(0, Math.round((Date.now() - at.getTime()) / 100) / 10) : null;

/**
 * Assembles /bot-optimization from the typed stats of the modules that count and from the config;
 * it never calls Telegram.
 */
@Injectable()
export class BotOptimizationService {
  constructor(
    private readonly status: BotStatusService,
    @Inject(BotMetrics) private readonly updates: UpdateStats,
    private readonly cache: BotCacheService,
    private readonly rateLimit: RateLimitService,
    @Inject(BatchService) private readonly batch: BatchStats,
    private readonly outbound: OutboundService,
    private readonly redis: RedisHealth,
    private readonly lease: PollingLease,
    @Inject(telegramConfig.KEY) private readonly telegram: TelegramConfig,
    @Inject(cacheConfig.KEY) private readonly cacheConfig: CacheConfig,
    @Inject(rateLimitConfig.KEY) private readonly rateLimitConfig: RateLimitConfig,
  ) {}

  async snapshot() {
    const [updates, cache, rateLimit, batch, outbound] = await Promise.all([
      this.updates.snapshot(),
      this.cacheStats(),
      this.rateLimitStats(),
      this.batchStats(),
      this.outboundStats(),
    ]);
    return {
      mode: this.telegram.mode,
      intake: {
        running: this.status.intakeRunning,
        draining: this.status.draining,
        ready: this.status.ready,
        lastError: this.status.lastIntakeError,
      },
      polling: this.polling(updates.polling),
      // The URL is left out: operators sometimes put a secret in its path.
      webhook:
        this.telegram.mode === 'webhook'
          ? { maxConnections: this.telegram.webhookMaxConnections }
          : null,
      dispatcher: this.dispatcher(updates.dispatcher),
      cache,
      rateLimit,
      redis: this.redis.snapshot(),
      batch,
      outbound,
      timestamp: new Date().toISOString(),
    };
  }

  private polling(s: PollingSnapshot) {
    return {
      timeoutSec: this.telegram.pollingTimeoutSec,
      readLatencySec: this.telegram.readLatencySec,
      limit: this.telegram.pollingLimit,
      allowedUpdates: [...this.telegram.allowedUpdates],
      polls: s.polls,
      emptyPolls: s.emptyPolls,
      emptyPollRatio: round3(share(s.emptyPolls, s.polls)),
      updatesReceived: s.updatesReceived,
      updatesPerPoll: round3(share(s.updatesReceived, s.polls)),
      errors: s.errors,
      conflicts: s.conflicts,
      lastPollAt: s.lastPollAt?.toISOString() ?? null,
      lastPollAgeSec: ageSec(s.lastPollAt),
      lease: this.leaseStats(),
    };
  }

  /** Who polls: this replica leads when it holds the lease, or polls without one. */
  private leaseStats() {
    const s = this.lease.snapshot();
    const pollsAlone = s.backend === null && this.telegram.mode === 'polling';
    return {
      backend: s.backend,
      leader: s.leader || (pollsAlone && this.status.intakeRunning),
      standby: this.status.standby,
      replicaId: s.replicaId,
      token: s.token,
      ttlMs: s.ttlMs,
      leaderSince: s.leaderSince?.toISOString() ?? null,
    };
  }

  private dispatcher(s: DispatcherSnapshot) {
    return {
      inFlight: s.inFlight,
      concurrency: s.concurrency,
      updateTimeoutMs: this.telegram.updateTimeoutMs,
      handled: s.handled,
      failed: s.failed,
      timedOut: s.timedOut,
      duplicates: s.duplicates,
      handlerP50Ms: toMs(s.handlerDurationSec.p50),
      handlerP99Ms: toMs(s.handlerDurationSec.p99),
    };
  }

  private async cacheStats() {
    const s = await this.cache.stats.snapshot();
    return {
      store: this.cacheConfig.redisUrl ? 'redis' : 'memory',
      maxEntries: this.cacheConfig.max,
      ttlSec: this.cacheConfig.ttlSec,
      entries: s.entries,
      hits: s.hits,
      misses: s.misses,
      hitRatio: round3(s.hitRatio),
    };
  }

  private async rateLimitStats() {
    const s = await this.rateLimit.stats.snapshot();
    return {
      limit: this.rateLimitConfig.limit,
      windowSec: this.rateLimitConfig.windowSec,
      limitedTotal: s.limited,
      noticesSent: s.notices,
      limitedUsers: s.limitedUsers,
      // The limiter fails open: a storage error lets the message through and is counted here.
      storageErrors: s.storageErrors,
      // With Redis: decisions taken on in-memory counters while Redis was away.
      memoryFallbacks: s.memoryFallbacks,
    };
  }

  private async batchStats() {
    const s = this.batch.snapshot();
    const { p50, p99 } = await this.batch.flushDurationSec();
    const { total: pendingTotal, ...pendingRows } = s.pending;
    return {
      size: s.size,
      flushIntervalMs: s.intervalMs,
      maxPending: s.maxPending,
      pendingRows,
      pendingTotal,
      oldestPendingAgeSec: s.oldestPendingAgeMs / 1000,
      flushes: s.flushes,
      rowsWritten: s.rowsWritten,
      rowsWrittenTotal: sumOf(s.rowsWritten),
      flushFailures: s.failures,
      retries: s.retries,
      deadLetters: s.deadLetters,
      lastFlushAt: s.lastFlushAt,
      flushP50Ms: toMs(p50),
      flushP99Ms: toMs(p99),
    };
  }

  private async outboundStats() {
    const s = await this.outbound.stats.snapshot();
    return {
      limits: { ...this.telegram.outbound },
      queued: s.queued,
      sent: s.sent,
      rateLimited429: s.floods,
      retries: s.retries,
      failed: s.failed,
      blocked: s.blocked,
      apiCalls: s.apiCalls,
      apiCallsTotal: sumOf(s.apiCalls),
      budget: s.budget,
    };
  }
}
