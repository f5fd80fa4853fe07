import { Inject, Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { BotStatusService } from '../bot/bot-status.service';
import { RedisHealth } from '../redis/redis.health';
import {
  batchConfig,
  cacheConfig,
  rateLimitConfig,
  telegramConfig,
  type BatchConfig,
  type CacheConfig,
  type RateLimitConfig,
  type TelegramConfig,
} from '../config/app.config';
import { InjectMetricsRegistry } from './metrics.registry';
import { RegistryReader } from './registry-reader';

const ratio = (part: number | null, whole: number | null) =>
  part !== null && whole ? Math.round((part / whole) * 1000) / 1000 : null;
const toMs = (sec: number | null) => (sec === null ? null : Math.round(sec * 100_000) / 100);
const isoFromSec = (sec: number | null) => (sec ? new Date(sec * 1000).toISOString() : null);
const ageSec = (sec: number | null) =>
  sec ? Math.max(0, Math.round((Date.now() / 1000 - sec) * 10) / 10) : null;
const total = (byKey: Record<string, number>) => Object.values(byKey).reduce((a, b) => a + b, 0);

/**
 * Assembles /bot-optimization from the shared metrics registry and the config. It reads metrics by
 * name, so it needs no reference to the modules that own them and never calls Telegram.
 */
@Injectable()
export class BotOptimizationService {
  private readonly read: RegistryReader;

  constructor(
    @InjectMetricsRegistry() registry: Registry,
    private readonly status: BotStatusService,
    @Inject(telegramConfig.KEY) private readonly telegram: TelegramConfig,
    @Inject(cacheConfig.KEY) private readonly cache: CacheConfig,
    @Inject(rateLimitConfig.KEY) private readonly rateLimit: RateLimitConfig,
    @Inject(batchConfig.KEY) private readonly batch: BatchConfig,
    private readonly redis: RedisHealth,
  ) {
    this.read = new RegistryReader(registry);
  }

  async snapshot() {
    const [polling, dispatcher, cache, rateLimit, batch, outbound] = await Promise.all([
      this.polling(),
      this.dispatcher(),
      this.cacheStats(),
      this.rateLimitStats(),
      this.batchStats(),
      this.outbound(),
    ]);
    return {
      mode: this.telegram.mode,
      intake: {
        running: this.status.intakeRunning,
        draining: this.status.draining,
        ready: this.status.ready,
        lastError: this.status.lastIntakeError,
      },
      polling,
      // The URL is left out: operators sometimes put a secret in its path.
      webhook:
        this.telegram.mode === 'webhook'
          ? { maxConnections: this.telegram.webhookMaxConnections }
          : null,
      dispatcher,
      cache,
      rateLimit,
      redis: this.redis.snapshot(),
      batch,
      outbound,
      timestamp: new Date().toISOString(),
    };
  }

  private async polling() {
    const r = this.read;
    const [polls, emptyPolls, updatesReceived, errors, conflicts, lastPoll] = await Promise.all([
      r.sum('telegram_bot_polls_total'),
      r.sum('telegram_bot_empty_polls_total'),
      r.sum('telegram_bot_updates_received_total'),
      r.sum('telegram_bot_poll_errors_total'),
      r.sum('telegram_bot_poll_conflicts_total'),
      r.max('telegram_bot_last_poll_timestamp_seconds'),
    ]);
    return {
      timeoutSec: this.telegram.pollingTimeoutSec,
      readLatencySec: this.telegram.readLatencySec,
      limit: this.telegram.pollingLimit,
      allowedUpdates: [...this.telegram.allowedUpdates],
      polls,
      emptyPolls,
      emptyPollRatio: ratio(emptyPolls, polls),
      updatesReceived,
      updatesPerPoll: ratio(updatesReceived, polls),
      errors,
      conflicts,
      lastPollAt: isoFromSec(lastPoll),
      lastPollAgeSec: ageSec(lastPoll),
    };
  }

  private async dispatcher() {
    const r = this.read;
    const [inFlight, concurrency, handled, failed, timedOut, duplicates, [p50, p99]] =
      await Promise.all([
        r.sum('telegram_bot_updates_in_flight'),
        r.sum('telegram_bot_dispatch_concurrency', this.telegram.dispatchConcurrency),
        r.sum('telegram_bot_updates_handled_total'),
        r.sum('telegram_bot_updates_failed_total'),
        r.sum('telegram_bot_updates_timed_out_total'),
        r.sum('telegram_bot_updates_duplicate_total'),
        r.quantiles('telegram_bot_handler_duration_seconds', [0.5, 0.99]),
      ]);
    return {
      inFlight,
      concurrency,
      updateTimeoutMs: this.telegram.updateTimeoutMs,
      handled,
      failed,
      timedOut,
      duplicates,
      handlerP50Ms: toMs(p50),
      handlerP99Ms: toMs(p99),
    };
  }

  private async cacheStats() {
    const r = this.read;
    const [hits, misses, entries] = await Promise.all([
      r.sum('telegram_bot_cache_hits_total'),
      r.sum('telegram_bot_cache_misses_total'),
      r.sum('telegram_bot_cache_entries', null),
    ]);
    return {
      store: this.cache.redisUrl ? 'redis' : 'memory',
      maxEntries: this.cache.max,
      ttlSec: this.cache.ttlSec,
      // The gauge reads -1 when entries live in Redis and cannot be counted cheaply.
      entries: entries !== null && entries >= 0 ? entries : null,
      hits,
      misses,
      hitRatio: ratio(hits, (hits ?? 0) + (misses ?? 0)),
    };
  }

  private async rateLimitStats() {
    const r = this.read;
    const [limited, notices, users, storageErrors, fallbacks] = await Promise.all([
      r.sum('telegram_bot_rate_limited_total'),
      r.sum('telegram_bot_rate_limit_notices_total'),
      r.sum('telegram_bot_rate_limited_users'),
      r.sum('telegram_bot_rate_limit_storage_errors_total'),
      r.sum('telegram_bot_rate_limit_fallbacks_total'),
    ]);
    return {
      limit: this.rateLimit.limit,
      windowSec: this.rateLimit.windowSec,
      limitedTotal: limited,
      noticesSent: notices,
      limitedUsers: users,
      // The limiter fails open: a storage error lets the message through and is counted here.
      storageErrors,
      // With Redis: decisions taken on in-memory counters while Redis was away.
      memoryFallbacks: fallbacks,
    };
  }

  private async batchStats() {
    const r = this.read;
    const [
      pending,
      oldest,
      flushes,
      written,
      failures,
      retries,
      deadLetters,
      lastFlush,
      [p50, p99],
    ] = await Promise.all([
      r.byLabel('telegram_bot_batch_pending_rows', 'buffer'),
      r.max('telegram_bot_batch_oldest_pending_age_seconds'),
      r.sum('telegram_bot_batch_flushes_total'),
      r.byLabel('telegram_bot_batch_rows_written_total', 'buffer'),
      r.sum('telegram_bot_batch_flush_failures_total'),
      r.sum('telegram_bot_batch_retries_total'),
      r.sum('telegram_bot_batch_dead_letters_total'),
      r.max('telegram_bot_batch_last_flush_timestamp_seconds'),
      r.quantiles('telegram_bot_batch_flush_duration_seconds', [0.5, 0.99]),
    ]);
    return {
      size: this.batch.size,
      flushIntervalMs: this.batch.flushIntervalMs,
      maxPending: this.batch.maxPending,
      pendingRows: pending,
      pendingTotal: total(pending),
      oldestPendingAgeSec: oldest ?? 0,
      flushes,
      rowsWritten: written,
      rowsWrittenTotal: total(written),
      flushFailures: failures,
      retries,
      deadLetters,
      lastFlushAt: isoFromSec(lastFlush),
      flushP50Ms: toMs(p50),
      flushP99Ms: toMs(p99),
    };
  }

  private async outbound() {
    const r = this.read;
    const [queued, sent, tooMany, retries, failed, blocked, apiCalls] = await Promise.all([
      r.byLabel('telegram_bot_outbound_queued', 'lane'),
      r.sum('telegram_bot_outbound_sent_total'),
      r.sum('telegram_bot_outbound_429_total'),
      r.sum('telegram_bot_outbound_retries_total'),
      r.sum('telegram_bot_outbound_failed_total'),
      r.sum('telegram_bot_outbound_blocked_total'),
      r.byLabel('telegram_bot_api_calls_total', 'method'),
    ]);
    return {
      limits: { ...this.telegram.outbound },
      queued: { interactive: queued.interactive ?? 0, broadcast: queued.broadcast ?? 0 },
      sent,
      rateLimited429: tooMany,
      retries,
      failed,
      blocked,
      apiCalls,
      apiCallsTotal: total(apiCalls),
    };
  }
}
