import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import { TelegramError, type Context, type Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { backoffDelay, sleep } from '../../common/backoff';
import { errorMessage } from '../../common/error-message';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import type { CallOptions } from '../../outbound/outbound.service';
import { BotStatusService } from '../bot-status.service';
import { BotMetrics } from '../bot.metrics';
import { UpdateLedger } from '../ledger/update-ledger';
import { PollingLease, type LeaseTerm } from './polling-lease';
import { PollingLeaseMetrics } from './polling-lease.metrics';

/** Longest a slow update in flight may hold the next poll back after a short page. */
const SHORT_PAGE_LINGER_MS = 100;
/**
 * With the intake journal: how long the next poll waits, after a short page, for the updates in
 * flight to finish (a few ms normally) before it journals those still running instead.
 */
const SHORT_PAGE_JOURNAL_AFTER_MS = 10;
/** At shutdown, how long the final offset confirmation waits for updates about to finish. */
const OFFSET_SETTLE_MS = 1000;
/** After a 409 a leader steps down and waits this long (growing) before competing again. */
const CONFLICT_BACKOFF = { baseMs: 5000, maxMs: 60_000 };

/** Raised when Telegram rejects the token: polling cannot continue until the config is fixed. */
export class BotTokenRejectedError extends Error {
  constructor() {
    super(
      'Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token from @BotFather',
    );
    this.name = 'BotTokenRejectedError';
  }
}

/**
 * Our own long-poll loop instead of Telegraf's launch(), which hard-codes a 50 s poll and a 500 s
 * HTTP timeout, never sends `limit`, and waits for the slowest handler before polling again.
 * Here the next poll starts as soon as the dispatcher has room; which offset it confirms is the
 * update ledger's decision (see UpdateLedger). With the polling lease (REDIS_URL), it polls only
 * during the terms this replica leads (see PollingLease).
 */
@Injectable()
export class PollingUpdateSource {
  private readonly logger = new Logger(PollingUpdateSource.name);
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** 409s in a row: each makes the leader step down, and wait longer before competing again. */
  private conflicts = 0;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    private readonly ledger: UpdateLedger,
    private readonly status: BotStatusService,
    private readonly metrics: BotMetrics,
    private readonly lease: PollingLease,
    private readonly leaseMetrics: PollingLeaseMetrics,
  ) {}

  /**
   * Starts polling (the ledger has run again what a crashed predecessor left), or, with the lease,
   * competing for it: this replica stands by until it leads.
   */
  start(): void {
    this.abort = new AbortController();
    const stopping = this.abort.signal;
    if (!this.lease.enabled) {
      this.leaseMetrics.leader.set(1);
      this.loop = this.run(stopping);
      return;
    }
    this.status.standby = true;
    this.lease.start((term) => {
      const previous = this.loop;
      // A term's loop starts once the previous one has wound down.
      this.loop = (previous ?? Promise.resolve()).then(() =>
        this.run(AbortSignal.any([stopping, term.signal]), term),
      );
    });
  }

  /** Aborts the long poll at once, waits for the loop to exit, then releases the lease. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.lease.enabled) {
      await this.lease.stop();
      await this.loop; // a term won while stopping ends at once
    } else {
      this.leaseMetrics.leader.set(0);
    }
    this.status.standby = false;
  }

  /**
   * Whether the drain should confirm the offset with a last getUpdates. Not with the lease: it is
   * released first so that another replica polls at once, and a getUpdates from here would cut
   * that replica's poll short (409). What this one finished is claimed, so the next leader drops
   * it when Telegram sends it again.
   */
  get confirmsAtDrain(): boolean {
    return !this.lease.enabled;
  }

  /** Confirms what the ledger allows to Telegram (a final short poll with that offset). */
  async confirmOffset(): Promise<void> {
    // Updates whose rows were just flushed finish a few microtasks later.
    await this.ledger.whenIdle(undefined, OFFSET_SETTLE_MS);
    const offset = await this.ledger.confirmableOffset();
    if (offset === 0) return;
    await this.bot.telegram
      .callApi(
        'getUpdates',
        { offset, limit: 1, timeout: 0, allowed_updates: [...this.config.allowedUpdates] } as any,
        { timeoutMs: this.config.apiTimeoutMs } satisfies CallOptions as never,
      )
      .then(() => this.ledger.confirmed(offset))
      .catch((error: unknown) =>
        this.logger.warn(`final offset confirmation failed: ${errorMessage(error)}`),
      );
  }

  private async run(signal: AbortSignal, term?: LeaseTerm): Promise<void> {
    let failures = 0;
    let shortPage = false;
    const { pollingLimit } = this.config;
    this.status.standby = false;
    this.status.intakeRunning = true;
    while (!signal.aborted) {
      // Room for a whole page: more updates waiting in the dispatcher would only cost memory.
      await this.ledger.whenRoom(signal, pollingLimit);
      if (this.ledger.journalsUpdates) await this.lingerForJournal(shortPage, signal);
      else await this.whenWindowHasRoom(shortPage, signal);
      if (signal.aborted) break;
      try {
        const offset = await this.ledger.confirmableOffset();
        // A timer can fire late (a long GC pause): the term's own clock has the last word.
        if (term && !term.valid()) break;
        const updates = await this.poll(offset, signal);
        this.ledger.confirmed(offset);
        this.metrics.polls.inc();
        this.metrics.lastPoll.setToCurrentTime();
        if (updates.length === 0) this.metrics.emptyPolls.inc();
        await this.ledger.receive(updates);
        shortPage = updates.length < pollingLimit;
        failures = 0;
        this.conflicts = 0;
        this.markHealthy();
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof BotTokenRejectedError) {
          this.fail(error.message);
          this.logger.fatal(error.message);
          return;
        }
        const delayMs = this.delayAfter(error, failures++);
        if (term && error instanceof TelegramError && error.code === 409) {
          this.stepDown();
          break;
        }
        await sleep(delayMs, signal);
      }
    }
    this.status.intakeRunning = false;
    // Lost or gave up the lease: stand by for the next term (unless shutting down).
    if (term && !this.abort.signal.aborted) this.status.standby = true;
  }

  /**
   * Another poller or a webhook holds Telegram's side: leave the lease to the other replicas
   * (perhaps one of them is not in conflict) and compete again later.
   */
  private stepDown(): void {
    const backoffMs = backoffDelay(this.conflicts++, CONFLICT_BACKOFF);
    this.logger.warn(
      `Stepping down as polling leader after a 409; competing again in ${backoffMs} ms`,
    );
    this.lease.stepDown(backoffMs);
  }

  /**
   * The next poll confirms every update received so far, and the ledger journals those not
   * finished first. With a backlog (a full page) poll at once; after a short page, the updates in
   * flight usually finish within a few ms, and then need no journal line at all.
   */
  private async lingerForJournal(shortPage: boolean, signal: AbortSignal): Promise<void> {
    if (shortPage) await this.ledger.whenIdle(signal, SHORT_PAGE_JOURNAL_AFTER_MS);
  }

  /**
   * Without the journal, Telegram answers from the oldest unfinished update, at once if there is
   * one. After a short page (no backlog) let the updates in flight finish first (a few ms; a slow
   * handler holds intake back for SHORT_PAGE_LINGER_MS at most), so the next poll is a real long
   * poll rather than a re-fetch of updates in flight. With a backlog, poll once half a page of new
   * updates can come.
   */
  private async whenWindowHasRoom(shortPage: boolean, signal: AbortSignal): Promise<void> {
    const { pollingLimit } = this.config;
    if (shortPage) await this.ledger.whenIdle(signal, SHORT_PAGE_LINGER_MS);
    await this.ledger.whenPageFits(pollingLimit, Math.ceil(pollingLimit / 2), signal);
  }

  private async poll(offset: number, signal: AbortSignal): Promise<Update[]> {
    const { pollingTimeoutSec, readLatencySec, pollingLimit, allowedUpdates } = this.config;
    // The transport enforces the read deadline (no timer or controller of ours per poll); the
    // loop's signal cuts the poll short at shutdown.
    const options: CallOptions = { signal, timeoutMs: (pollingTimeoutSec + readLatencySec) * 1000 };
    try {
      return await this.bot.telegram.callApi<'getUpdates'>(
        'getUpdates',
        {
          offset,
          limit: pollingLimit,
          timeout: pollingTimeoutSec,
          allowed_updates: [...allowedUpdates],
        },
        options as never, // Telegraf types only a polyfill's AbortSignal, and no deadline
      );
    } catch (error) {
      if (error instanceof TelegramError && error.code === 401) throw new BotTokenRejectedError();
      throw error;
    }
  }

  /** How long to wait after a failed poll: retry_after on 429, backoff on 409, 5xx and network errors. */
  private delayAfter(error: unknown, failures: number): number {
    const backoff = backoffDelay(failures, { baseMs: 500, maxMs: 30_000 });
    if (error instanceof TelegramError) {
      if (error.code === 429) {
        this.metrics.pollErrors.inc({ kind: 'rate_limited' });
        const retryAfter = error.parameters?.retry_after ?? 1;
        this.logger.warn(`getUpdates rate limited; retrying after ${retryAfter} s`);
        return retryAfter * 1000;
      }
      if (error.code === 409) {
        this.metrics.pollConflicts.inc();
        this.metrics.pollErrors.inc({ kind: 'conflict' });
        this.fail(`409 Conflict: ${error.description}`);
        this.logger.warn(
          `getUpdates conflict (another poller or a webhook is set); retrying in ${backoff} ms`,
        );
        return backoff;
      }
      this.metrics.pollErrors.inc({ kind: error.code >= 500 ? 'server' : 'api' });
    } else {
      this.metrics.pollErrors.inc({ kind: 'network' });
    }
    if (failures >= 2) this.fail(errorMessage(error));
    this.logger.warn(`getUpdates failed (${errorMessage(error)}); retrying in ${backoff} ms`);
    return backoff;
  }

  private fail(reason: string): void {
    this.status.intakeRunning = false;
    this.status.lastIntakeError = reason;
  }

  private markHealthy(): void {
    this.status.intakeRunning = true;
    this.status.lastIntakeError = null;
  }
}
