import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { Registry } from 'prom-client';
import { atMostEvery } from '../common/at-most-every';
import { backoffDelay, sleep } from '../common/backoff';
import { batchConfig, type BatchConfig } from '../config/app.config';
import { describeDbError, isTransientDbError } from '../database/db-errors';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { BatchBuffer } from './batch.buffer';
import { BatchJournal } from './batch.journal';
import { BatchFlusher } from './batch.flusher';
import { BatchMetrics } from './batch.metrics';
import { sanitizeActivity, sanitizeMessage } from './batch.sanitize';
import { DurableWaiters } from './batch.waiters';
import type { BatchSnapshot, MessageRow, UserActivity } from './batch.types';
import { BatchWriter } from './batch.writer';

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;
// The bot's shutdown coordinator drains first with its own budget; this is only the safety net.
const SHUTDOWN_SAFETY_NET_MS = 10_000;
/** A failing journal fails every sync: log it at most once per this interval. */
const JOURNAL_WARN_EVERY_MS = 30_000;

/**
 * Write-behind buffers for messages and users: multi-row upserts on size or schedule, one
 * transaction per flush, retried with backoff while the database is down, bad rows dead-lettered.
 */
@Injectable()
export class BatchService
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(BatchService.name);
  private readonly buffer = new BatchBuffer();
  private readonly metrics: BatchMetrics;
  private loop: Promise<void> | null = null;
  private kickQueued = false;
  /** Flush every row with a sequence number up to this (set by the interval and by drain). */
  private flushTarget = 0;
  private attempt = 0;
  private wake = new AbortController();
  private drains = 0;
  private giveUpAt: number | null = null;
  private closed = false;
  private readonly flusher: BatchFlusher;
  private readonly durableWaiters = new DurableWaiters();
  private notFullWaiters: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly journalWarnGate = atMostEvery(JOURNAL_WARN_EVERY_MS);

  constructor(
    @Inject(batchConfig.KEY) private readonly config: BatchConfig,
    private readonly writer: BatchWriter,
    @InjectMetricsRegistry() registry: Registry,
    // Absent in unit specs and with BATCH_JOURNAL=false: durability then means "in PostgreSQL".
    @Optional() @Inject(BatchJournal) private readonly journal: BatchJournal | null = null,
  ) {
    this.metrics = new BatchMetrics(registry, {
      pendingMessages: () => this.buffer.pendingMessages,
      pendingUsers: () => this.buffer.pendingUsers,
      oldestPendingAgeSeconds: () => this.oldestPendingAgeMs() / 1000,
    });
    this.flusher = new BatchFlusher(this.buffer, writer, this.metrics, this.logger);
  }

  async onModuleInit(): Promise<void> {
    // A plain interval, cleared in beforeApplicationShutdown: @nestjs/schedule (and the cron and
    // luxon it loads, ~1 MB of RSS) was only ever used for this one timer.
    this.flushTimer = setInterval(() => this.tick(), this.config.flushIntervalMs);
    this.flushTimer.unref();
    await this.recoverJournal();
  }

  /** Buffers one message; never throws on database trouble. */
  addMessage(row: MessageRow): void {
    const clean = sanitizeMessage(row);
    const seq = this.buffer.addMessage(clean, Date.now());
    this.journal?.append({ kind: 'message', row: clean }, seq);
    this.afterAdd();
  }

  /** Buffers one user sighting, merged with the user's other pending activity. */
  addUserActivity(activity: UserActivity): void {
    const clean = sanitizeActivity(activity);
    const seq = this.buffer.addActivity(clean, Date.now());
    this.journal?.append({ kind: 'activity', row: clean }, seq);
    this.afterAdd();
  }

  /**
   * Resolves once every row added before this call survives a crash: in the local journal
   * (fsync'd, replayed at the next start) or, without one, committed to PostgreSQL.
   */
  durable(): Promise<void> {
    if (!this.journal) return this.flushed();
    // A failed journal write (disk full, I/O error) must not leave the update unconfirmable: its
    // offset would never move again and intake would stall. The rows are still buffered, so
    // "durable" falls back to "committed to PostgreSQL".
    return this.journal.sync().catch((error: Error) => {
      if (this.journalWarnGate()) {
        this.logger.error(
          `journal write failed (${error.message}); updates are confirmed once their rows are in the database`,
        );
      }
      return this.flushed();
    });
  }

  /**
   * Resolves once every row added before this call is committed (or dead-lettered): read-your-writes.
   * Someone waits for these rows, so they are flushed as soon as the flush loop is free rather
   * than at the next interval: rows added while a flush runs go together in the next one (group
   * commit). Without the journal every update waits here before its offset may be confirmed, and
   * holding a partial chunk for BATCH_FLUSH_INTERVAL_MS stalled intake: at 500 updates/s the
   * median reply took 3.7 s.
   */
  flushed(): Promise<void> {
    // Every pending row was added before this call, so "nothing pending" is the whole test (O(1):
    // without the journal, intake calls this once per update).
    if (this.buffer.pending === 0) return Promise.resolve();
    const target = this.buffer.lastSeq;
    if (target > this.flushTarget) {
      this.flushTarget = target;
      this.kickSoon();
    }
    return this.durableWaiters.wait(target);
  }

  /** True while pending rows are at or above BATCH_MAX_PENDING: intake should pause. */
  get full(): boolean {
    return this.buffer.pending >= this.config.maxPending;
  }

  /** Resolves when the buffers are below BATCH_MAX_PENDING again. */
  whenNotFull(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.notFullWaiters.push(resolve));
  }

  /**
   * Flushes everything, retrying until the deadline (a budget in ms from now; an absolute
   * Date.now() timestamp is accepted too). Returns, and logs, how many rows stay unwritten.
   */
  async drain(deadlineMs: number): Promise<{ unwritten: number }> {
    const now = Date.now();
    const until = deadlineMs > 1e12 ? deadlineMs : now + Math.max(0, deadlineMs);
    this.drains++;
    this.giveUpAt = Math.max(this.giveUpAt ?? 0, until);
    this.flushTarget = Infinity;
    this.wake.abort(); // cut a running backoff pause short
    try {
      while (Date.now() < until) {
        this.kick();
        if (!this.loop) break;
        await raceTimeout(this.loop, until - Date.now());
        if (this.buffer.pending === 0) break;
      }
    } finally {
      if (--this.drains === 0) {
        this.giveUpAt = null;
        this.flushTarget = this.buffer.lastSeq;
      }
    }
    const unwritten = this.buffer.pending;
    if (unwritten > 0) {
      this.logger.error(
        `Drain deadline passed: ${unwritten} rows could not be written to the database`,
      );
      this.durableWaiters.rejectAll(
        new Error(`${unwritten} buffered rows were not written before shutdown`),
      );
    } else {
      this.logger.log('Drained: every buffered row is written');
    }
    return { unwritten };
  }

  /** Safety net after the bot's own drain; TypeORM closes the DataSource right after this phase. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.buffer.pending > 0 || this.loop) await this.drain(SHUTDOWN_SAFETY_NET_MS);
    this.closed = true;
    clearInterval(this.flushTimer);
    // Intake is over; nobody should stay blocked on backpressure during shutdown.
    for (const resolve of this.notFullWaiters.splice(0)) resolve();
  }

  /** Closes the journal after every drain; its files stay only if rows are still unwritten. */
  async onApplicationShutdown(): Promise<void> {
    await this.journal?.close(this.buffer.pending === 0);
  }

  /** Current numbers as a plain object, for /bot-optimization. */
  snapshot(): BatchSnapshot {
    const s = this.metrics.totals;
    return {
      size: this.config.size,
      intervalMs: this.config.flushIntervalMs,
      maxPending: this.config.maxPending,
      pending: {
        messages: this.buffer.pendingMessages,
        users: this.buffer.pendingUsers,
        total: this.buffer.pending,
      },
      oldestPendingAgeMs: this.oldestPendingAgeMs(),
      flushes: s.flushes,
      rowsWritten: { ...s.rowsWritten },
      failures: s.failures,
      retries: s.retries,
      deadLetters: s.deadLetters,
      lastFlushAt: s.lastFlushAt?.toISOString() ?? null,
      lastFlushDurationMs: s.lastFlushDurationMs,
    };
  }

  private tick(): void {
    this.flushTarget = Math.max(this.flushTarget, this.buffer.lastSeq);
    this.kick();
  }

  private afterAdd(): void {
    if (this.sizeReached()) this.kickSoon();
  }

  private kickSoon(): void {
    if (this.loop || this.kickQueued) return;
    // Not synchronously: the caller is mid-handler, and more rows of the same tick should join.
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      this.kick();
    });
  }

  /** A full chunk is waiting, or the bound is reached (it may be below one chunk). */
  private sizeReached(): boolean {
    const size = this.config.size;
    return this.buffer.waitingMessages >= size || this.buffer.waitingUsers >= size || this.full;
  }

  private shouldFlush(): boolean {
    if (this.buffer.waitingMessages + this.buffer.waitingUsers === 0) return false;
    return this.sizeReached() || this.buffer.minWaitingSeq() <= this.flushTarget;
  }

  /** Starts the flush loop unless it runs already: flushes never overlap. */
  private kick(): void {
    if (this.loop || !this.shouldFlush()) return;
    this.loop = this.runLoop()
      .catch((error: unknown) => {
        this.logger.error(`Flush loop stopped: ${describeDbError(error)}`);
        return false;
      })
      .then((finished) => {
        this.loop = null;
        // Rows added (or waited for) between the loop's last check and now found it still running.
        if (finished && this.shouldFlush()) this.kickSoon();
      });
  }

  /** Flushes while there is work; false when it gave up (drain deadline or shutdown). */
  private async runLoop(): Promise<boolean> {
    while (this.shouldFlush()) {
      try {
        await this.flusher.flush(this.config.size);
        this.attempt = 0;
        await this.releaseJournal();
      } catch (error) {
        this.settleWaiters();
        if (!(await this.backoff(error))) return false;
        continue;
      }
      this.settleWaiters();
    }
    return true;
  }

  /** Waits before the next attempt; false when a drain's deadline leaves no time for one. */
  private async backoff(error: unknown): Promise<boolean> {
    this.metrics.recordFailure();
    // After shutdown only a drain may retry: a retry timer must not keep the process alive.
    if (this.closed && this.drains === 0) return false;
    let delay = backoffDelay(this.attempt++, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
    if (this.giveUpAt !== null) {
      const left = this.giveUpAt - Date.now();
      if (left <= 0) return false;
      delay = Math.min(delay, left);
    }
    this.metrics.recordRetry();
    if (this.attempt === 1 || this.attempt % 10 === 0) {
      const message = `Flush failed (${describeDbError(error)}); ${this.buffer.pending} rows kept, retry ${this.attempt} in ${delay} ms`;
      // An outage heals by itself; anything else (schema, permissions, a bug) needs an operator.
      if (isTransientDbError(error)) this.logger.warn(message);
      else this.logger.error(message);
    }
    if (this.wake.signal.aborted) this.wake = new AbortController();
    await sleep(delay, this.wake.signal);
    return true;
  }

  /** Re-buffers rows a crashed predecessor journaled but never flushed (before intake starts). */
  private async recoverJournal(): Promise<void> {
    if (!this.journal) return;
    const records = await this.journal.open();
    for (const record of records) {
      if (record.kind === 'message') this.addMessage(record.row);
      else this.addUserActivity(record.row);
    }
    await this.journal.sync();
    await this.journal.removeOrphans();
    if (records.length)
      this.logger.warn(`Replaying ${records.length} journaled rows from an earlier run`);
  }

  private async releaseJournal(): Promise<void> {
    await this.journal
      ?.release(this.buffer.minPendingSeq(), this.buffer.pending === 0)
      .catch((error: Error) => this.logger.warn(`journal cleanup failed: ${error.message}`));
  }

  private settleWaiters(): void {
    if (this.durableWaiters.size > 0) this.durableWaiters.settle(this.buffer.minPendingSeq());
    if (this.notFullWaiters.length > 0 && !this.full) {
      for (const resolve of this.notFullWaiters.splice(0)) resolve();
    }
  }

  private oldestPendingAgeMs(): number {
    const oldest = this.buffer.oldestAddedAt();
    return oldest === null ? 0 : Math.max(0, Date.now() - oldest);
  }
}

/** Waits for `promise`, but no longer than `ms`. */
async function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  const timeout = new AbortController();
  await Promise.race([promise, sleep(Math.max(0, ms), timeout.signal)]);
  timeout.abort();
}
