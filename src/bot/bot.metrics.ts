import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { medianAndP99, total } from '../metrics/metric-values';
import { METRICS_REGISTRY } from '../metrics/metrics.registry';

/** What the poll loop has seen (webhook updates count as received too). */
export interface PollingSnapshot {
  /** getUpdates calls answered. */
  polls: number;
  emptyPolls: number;
  updatesReceived: number;
  /** Failed getUpdates calls, every kind. */
  errors: number;
  /** getUpdates answered 409. */
  conflicts: number;
  /** When getUpdates last answered; null before the first answer. */
  lastPollAt: Date | null;
}

/** What the dispatcher is doing and has done. */
export interface DispatcherSnapshot {
  inFlight: number;
  concurrency: number;
  handled: number;
  failed: number;
  timedOut: number;
  /** Updates dropped as already seen, every reason. */
  duplicates: number;
  /** Median and p99 handler time in seconds; null before the first update. */
  handlerDurationSec: { p50: number | null; p99: number | null };
}

/** The read side of the intake's and the dispatcher's counters. */
export interface UpdateStats {
  snapshot(): Promise<{ polling: PollingSnapshot; dispatcher: DispatcherSnapshot }>;
}

/** Counters of the update intake and the dispatcher: scraped by Prometheus, read through snapshot(). */
@Injectable()
export class BotMetrics implements UpdateStats {
  readonly polls: Counter;
  readonly emptyPolls: Counter;
  readonly updatesReceived: Counter;
  readonly pollErrors: Counter<'kind'>;
  readonly pollConflicts: Counter;
  readonly lastPoll: Gauge;
  readonly inFlight: Gauge;
  readonly handled: Counter;
  readonly failed: Counter;
  readonly timedOut: Counter;
  readonly duplicates: Counter<'reason'>;
  readonly handlerDuration: Histogram;
  readonly replayed: Counter;
  readonly effectsInDoubt: Counter;
  readonly journalFailures: Counter;
  readonly journalDamaged: Counter;
  readonly webhookRefused: Counter<'reason'>;
  readonly callbacksAnsweredEarly: Counter;
  private readonly concurrency: Gauge;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
  ) {
    const registers = [registry];
    this.polls = new Counter({
      name: 'telegram_bot_polls_total',
      help: 'getUpdates calls answered',
      registers,
    });
    this.emptyPolls = new Counter({
      name: 'telegram_bot_empty_polls_total',
      help: 'getUpdates calls that returned no update',
      registers,
    });
    this.updatesReceived = new Counter({
      name: 'telegram_bot_updates_received_total',
      help: 'Updates received (polling or webhook), duplicates included',
      registers,
    });
    this.pollErrors = new Counter({
      name: 'telegram_bot_poll_errors_total',
      help: 'Failed getUpdates calls by kind',
      labelNames: ['kind'],
      registers,
    });
    this.pollConflicts = new Counter({
      name: 'telegram_bot_poll_conflicts_total',
      help: 'getUpdates answered 409 (another poller or a webhook)',
      registers,
    });
    this.lastPoll = new Gauge({
      name: 'telegram_bot_last_poll_timestamp_seconds',
      help: 'Unix time of the last answered getUpdates',
      registers,
    });
    this.inFlight = new Gauge({
      name: 'telegram_bot_updates_in_flight',
      help: 'Updates accepted and not yet handled',
      registers,
    });
    this.concurrency = new Gauge({
      name: 'telegram_bot_dispatch_concurrency',
      help: 'Chats handled at the same time, at most',
      registers,
    });
    this.concurrency.set(config.dispatchConcurrency);
    this.handled = new Counter({
      name: 'telegram_bot_updates_handled_total',
      help: 'Updates whose handler finished',
      registers,
    });
    this.failed = new Counter({
      name: 'telegram_bot_updates_failed_total',
      help: 'Updates whose handler threw or timed out',
      registers,
    });
    this.timedOut = new Counter({
      name: 'telegram_bot_updates_timed_out_total',
      help: 'Updates whose handler exceeded UPDATE_TIMEOUT_MS',
      registers,
    });
    this.duplicates = new Counter({
      name: 'telegram_bot_updates_duplicate_total',
      help: 'Updates dropped as already seen',
      labelNames: ['reason'],
      registers,
    });
    this.replayed = new Counter({
      name: 'telegram_bot_updates_replayed_total',
      help: 'Updates an earlier run journaled but did not finish, run again at start',
      registers,
    });
    this.effectsInDoubt = new Counter({
      name: 'telegram_bot_effects_in_doubt_total',
      help: 'Message calls in flight when an earlier run stopped: maybe delivered, never sent again',
      registers,
    });
    this.journalFailures = new Counter({
      name: 'telegram_bot_intake_journal_failures_total',
      help: 'Intake journal writes that failed (updates are then acknowledged once finished)',
      registers,
    });
    this.journalDamaged = new Counter({
      name: 'telegram_bot_intake_journal_damaged_records_total',
      help: 'Intake journal records found torn or unreadable at start (intact ones are kept)',
      registers,
    });
    this.webhookRefused = new Counter({
      name: 'telegram_bot_webhook_refused_total',
      help: 'Webhook updates answered 429 or 503 so that Telegram sends them again',
      labelNames: ['reason'],
      registers,
    });
    this.callbacksAnsweredEarly = new Counter({
      name: 'telegram_bot_callbacks_answered_early_total',
      help: 'Button taps answered at once because their chat was busy (the handler runs later)',
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'telegram_bot_handler_duration_seconds',
      help: 'Time from dispatch to handler completion',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    });
  }

  async snapshot(): Promise<{ polling: PollingSnapshot; dispatcher: DispatcherSnapshot }> {
    const [polls, emptyPolls, updatesReceived, errors, conflicts, lastPollSec] = await Promise.all([
      total(this.polls),
      total(this.emptyPolls),
      total(this.updatesReceived),
      total(this.pollErrors),
      total(this.pollConflicts),
      total(this.lastPoll),
    ]);
    const [inFlight, concurrency, handled, failed, timedOut, duplicates, handlerDurationSec] =
      await Promise.all([
        total(this.inFlight),
        total(this.concurrency),
        total(this.handled),
        total(this.failed),
        total(this.timedOut),
        total(this.duplicates),
        medianAndP99(this.handlerDuration),
      ]);
    return {
      polling: {
        polls,
        emptyPolls,
        updatesReceived,
        errors,
        conflicts,
        lastPollAt: lastPollSec ? new Date(lastPollSec * 1000) : null,
      },
      dispatcher: {
        inFlight,
        concurrency,
        handled,
        failed,
        timedOut,
        duplicates,
        handlerDurationSec,
      },
    };
  }
}
