import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Registry } from 'prom-client';
import { backoffDelay, sleep } from '../common/backoff';
import { batchConfig, type BatchConfig } from '../config/app.config';
import { describeDbError, isTransientDbError } from '../database/db-errors';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { BatchBuffer, type FlushUnit } from './batch.buffer';
import { isContentError, splitUnit, unitSize } from './batch.isolate';
import { BatchMetrics } from './batch.metrics';
import { sanitizeActivity, sanitizeMessage, toDeadLetterPayload } from './batch.sanitize';
import type { BatchSnapshot, MessageRow, UserActivity } from './batch.types';
import { BatchWriter } from './batch.writer';

/** Name of the flush interval in the SchedulerRegistry. */
export const BATCH_FLUSH_INTERVAL = 'batch-flush';

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;
// The bot's shutdown coordinator drains first with its own budget; this is only the safety net.
const SHUTDOWN_SAFETY_NET_MS = 10_000;

interface DurableWaiter {
  target: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Write-behind buffers for messages and users: multi-row upserts on size or schedule, one
 * transaction per flush, retried with backoff while the database is down, bad rows dead-lettered.
 */
@Injectable()
export class BatchService implements OnModuleInit, BeforeApplicationShutdown {
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
  private durableWaiters: DurableWaiter[] = [];
  private notFullWaiters: (() => void)[] = [];
  private readonly stats = {
    flushes: 0,
    rowsWritten: { messages: 0, users: 0 },
    failures: 0,
    retries: 0,
    deadLetters: 0,
    lastFlushAt: null as Date | null,
    lastFlushDurationMs: null as number | null,
  };

  constructor(
    @Inject(batchConfig.KEY) private readonly config: BatchConfig,
    private readonly writer: BatchWriter,
    @InjectMetricsRegistry() registry: Registry,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.metrics = new BatchMetrics(registry, {
      pendingMessages: () => this.buffer.pendingMessages,
      pendingUsers: () => this.buffer.pendingUsers,
      oldestPendingAgeSeconds: () => this.oldestPendingAgeMs() / 1000,
    });
  }

  onModuleInit(): void {
    // A plain interval registered with SchedulerRegistry (not @Interval) because the period comes
    // from validated config at runtime; ScheduleModule clears it on shutdown.
    const timer = setInterval(() => this.tick(), this.config.flushIntervalMs);
    timer.unref();
    this.scheduler.addInterval(BATCH_FLUSH_INTERVAL, timer);
  }

  /** Buffers one message; never throws on database trouble. */
  addMessage(row: MessageRow): void {
    this.buffer.addMessage(sanitizeMessage(row), Date.now());
    this.afterAdd();
  }

  /** Buffers one user sighting, merged with the user's other pending activity. */
  addUserActivity(activity: UserActivity): void {
    this.buffer.addActivity(sanitizeActivity(activity), Date.now());
    this.afterAdd();
  }

  /** Resolves once every row added before this call is committed (or dead-lettered). */
  durable(): Promise<void> {
    // Every pending row was added before this call, so "nothing pending" is the whole test (O(1):
    // the dispatcher calls this once per update).
    if (this.buffer.pending === 0) return Promise.resolve();
    const target = this.buffer.lastSeq;
    return new Promise((resolve, reject) => this.durableWaiters.push({ target, resolve, reject }));
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
      this.rejectDurableWaiters(
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
    if (this.scheduler.doesExist('interval', BATCH_FLUSH_INTERVAL)) {
      this.scheduler.deleteInterval(BATCH_FLUSH_INTERVAL);
    }
    // Intake is over; nobody should stay blocked on backpressure during shutdown.
    for (const resolve of this.notFullWaiters.splice(0)) resolve();
  }

  /** Current numbers as a plain object, for /bot-optimization. */
  snapshot(): BatchSnapshot {
    const s = this.stats;
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
    if (this.loop || this.kickQueued || !this.sizeReached()) return;
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
      .catch((error: unknown) => this.logger.error(`Flush loop stopped: ${describeDbError(error)}`))
      .finally(() => {
        this.loop = null;
      });
  }

  private async runLoop(): Promise<void> {
    while (this.shouldFlush()) {
      try {
        await this.flushOnce();
        this.attempt = 0;
      } catch (error) {
        if (!(await this.backoff(error))) return;
      }
    }
  }

  /** Waits before the next attempt; false when a drain's deadline leaves no time for one. */
  private async backoff(error: unknown): Promise<boolean> {
    this.stats.failures++;
    this.metrics.failures.inc();
    // After shutdown only a drain may retry: a retry timer must not keep the process alive.
    if (this.closed && this.drains === 0) return false;
    let delay = backoffDelay(this.attempt++, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
    if (this.giveUpAt !== null) {
      const left = this.giveUpAt - Date.now();
      if (left <= 0) return false;
      delay = Math.min(delay, left);
    }
    this.stats.retries++;
    this.metrics.retries.inc();
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

  /** Writes one unit in one transaction; on a content error, bisects and dead-letters bad rows. */
  private async flushOnce(): Promise<void> {
    const started = performance.now();
    const work: FlushUnit[] = [this.buffer.take(this.config.size)];
    try {
      while (work.length > 0) {
        const unit = work[0];
        try {
          const result = await this.writer.write(
            unit.messages.map((m) => m.row),
            this.buffer.toWrites(unit.users),
          );
          this.buffer.settle(unit);
          this.countWritten(result.messagesInserted, result.usersUpserted);
        } catch (error) {
          if (!isContentError(error)) throw error;
          if (unitSize(unit) > 1) {
            work.splice(0, 1, ...splitUnit(unit));
            continue;
          }
          await this.deadLetter(unit, error);
        }
        work.shift();
      }
    } catch (error) {
      this.buffer.restore({
        messages: work.flatMap((u) => u.messages),
        users: work.flatMap((u) => u.users),
      });
      throw error;
    } finally {
      this.settleWaiters();
    }
    const durationMs = performance.now() - started;
    this.stats.flushes++;
    this.stats.lastFlushAt = new Date();
    this.stats.lastFlushDurationMs = Math.round(durationMs * 100) / 100;
    this.metrics.flushes.inc();
    this.metrics.lastFlush.set(Date.now() / 1000);
    this.metrics.flushDuration.observe(durationMs / 1000);
  }

  private async deadLetter(unit: FlushUnit, error: unknown): Promise<void> {
    const reason = describeDbError(error);
    const [kind, payload, id] = unit.messages.length
      ? (['message', unit.messages[0].row, `update ${unit.messages[0].row.updateId}`] as const)
      : (['user', this.buffer.toWrites(unit.users)[0], `user ${unit.users[0].id}`] as const);
    await this.writer.deadLetter(kind, toDeadLetterPayload(payload), reason);
    this.buffer.settle(unit);
    this.stats.deadLetters++;
    this.metrics.deadLetters.inc();
    this.logger.warn(`Row refused by the database (${id}: ${reason}); stored in dead_letters`);
  }

  private countWritten(messages: number, users: number): void {
    this.stats.rowsWritten.messages += messages;
    this.stats.rowsWritten.users += users;
    this.metrics.rowsWritten.inc({ buffer: 'messages' }, messages);
    this.metrics.rowsWritten.inc({ buffer: 'users' }, users);
  }

  private settleWaiters(): void {
    if (this.durableWaiters.length > 0) {
      const committedBelow = this.buffer.minPendingSeq();
      const waiting: DurableWaiter[] = [];
      for (const w of this.durableWaiters) {
        if (w.target < committedBelow) w.resolve();
        else waiting.push(w);
      }
      this.durableWaiters = waiting;
    }
    if (this.notFullWaiters.length > 0 && !this.full) {
      for (const resolve of this.notFullWaiters.splice(0)) resolve();
    }
  }

  private rejectDurableWaiters(error: Error): void {
    for (const w of this.durableWaiters.splice(0)) w.reject(error);
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
