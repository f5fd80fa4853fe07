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
import { batchConfig, type BatchConfig } from '../config/app.config';
import { describeDbError, isTransientDbError } from '../database/db-errors';
import { InjectMetricsRegistry } from '../metrics/metrics.registry';
import { BatchBuffers, type TableBuffer } from './batch.buffer';
import { BatchFlusher } from './batch.flusher';
import { BatchJournal } from './batch.journal';
import type { JournalRecord } from './batch.journal-codec';
import { FlushLoop } from './batch.loop';
import { BatchMetrics, type BatchStats } from './batch.metrics';
import { flushStatement, statementOrder } from './batch.sql';
import type { AnyBatchTable, BatchQueue, BatchTable } from './batch.table';
import { BatchFlushTask } from './batch.task';
import type { BatchSnapshot } from './batch.types';
import { DurableWaiters } from './batch.waiters';
import { BatchWriter } from './batch.writer';

// The bot's shutdown coordinator drains first with its own budget; this is only the safety net.
const SHUTDOWN_SAFETY_NET_MS = 10_000;
/** A failing journal fails every sync: log it at most once per this interval. */
const JOURNAL_WARN_EVERY_MS = 30_000;

/** The running engine, built once every table is registered. */
interface Engine {
  buffers: BatchBuffers;
  byName: Map<string, TableBuffer<unknown>>;
  flusher: BatchFlusher;
}

/**
 * The write-behind engine: rows of the registered tables (BatchModule.forFeature) wait in
 * per-table buffers and are written BATCH_SIZE per table per flush, when a table has that many
 * or on the schedule (BATCH_FLUSH_INTERVAL_MS), in one statement per flush. A failed flush keeps
 * its rows and retries; a row the database refuses for its content goes to dead_letters; at
 * BATCH_MAX_PENDING rows intake is asked to wait. With the journal, a row is durable once
 * journaled.
 */
@Injectable()
export class BatchService
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown, BatchStats
{
  private readonly logger = new Logger(BatchService.name);
  private readonly tables: AnyBatchTable[] = [];
  private readonly metrics: BatchMetrics;
  private readonly loop: FlushLoop;
  private readonly durableWaiters = new DurableWaiters();
  private readonly journalWarnGate = atMostEvery(JOURNAL_WARN_EVERY_MS);
  private notFullWaiters: (() => void)[] = [];
  private built: Engine | null = null;

  constructor(
    @Inject(batchConfig.KEY) private readonly config: BatchConfig,
    private readonly writer: BatchWriter,
    private readonly task: BatchFlushTask,
    @InjectMetricsRegistry() registry: Registry,
    // Absent with BATCH_JOURNAL=false: durability then means "in PostgreSQL".
    @Optional() @Inject(BatchJournal) private readonly journal: BatchJournal | null = null,
  ) {
    this.metrics = new BatchMetrics(registry, {
      pendingRows: () => this.pendingByTable(),
      oldestPendingAgeSeconds: () => this.oldestPendingAgeMs() / 1000,
    });
    this.loop = new FlushLoop({
      lastSeq: () => this.buffers.lastSeq,
      isDue: (target) => this.isDue(target),
      flush: () => this.engine().flusher.flush(this.config.size),
      afterAttempt: (written) => this.afterAttempt(written),
      onRetry: (error, retry, delayMs) => this.onRetry(error, retry, delayMs),
      onCrash: (error) => this.logger.error(`Flush loop stopped: ${describeDbError(error)}`),
    });
  }

  /**
   * Adds a table to the engine and returns where its rows go. Tables register while the
   * application is created (BatchModule.forFeature), before the journal is replayed.
   */
  register<Row>(table: BatchTable<Row>): BatchQueue<Row> {
    if (this.built) throw new Error(`batch table "${table.name}" registered after start`);
    this.tables.push(table);
    let buffer: TableBuffer<Row> | undefined;
    return {
      add: (row) => {
        buffer ??= this.engine().byName.get(table.name) as TableBuffer<Row>;
        this.add(buffer, row);
      },
    };
  }

  async onModuleInit(): Promise<void> {
    this.engine();
    this.task.start(this.config.flushIntervalMs, () => this.loop.tick());
    await this.recoverJournal();
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
   * Resolves once every row added before this call is committed (or dead-lettered):
   * read-your-writes. Someone waits for these rows, so they are written as soon as the flush loop
   * is free rather than at the next interval; rows added meanwhile join them (group commit).
   */
  flushed(): Promise<void> {
    // Every pending row was added before this call, so "nothing pending" is the whole test.
    if (this.buffers.pending === 0) return Promise.resolve();
    const target = this.buffers.lastSeq;
    this.loop.want(target);
    return this.durableWaiters.wait(target);
  }

  /** True while pending rows are at or above BATCH_MAX_PENDING: intake should pause. */
  get full(): boolean {
    return this.buffers.pending >= this.config.maxPending;
  }

  /** Resolves when the buffers are below BATCH_MAX_PENDING again. */
  whenNotFull(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.notFullWaiters.push(resolve));
  }

  /**
   * Flushes everything, retrying until the deadline (a budget in ms from now; an absolute
   * Date.now() timestamp is accepted too), with the schedule stopped: it is the shutdown path.
   * Returns, and logs, how many rows stay unwritten.
   */
  async drain(deadlineMs: number): Promise<{ unwritten: number }> {
    const now = Date.now();
    const until = deadlineMs > 1e12 ? deadlineMs : now + Math.max(0, deadlineMs);
    this.task.stop();
    await this.loop.drain(until);
    const unwritten = this.buffers.pending;
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
    this.task.stop();
    if (this.buffers.pending > 0) await this.drain(SHUTDOWN_SAFETY_NET_MS);
    this.loop.stop();
    // Intake is over; nobody should stay blocked on backpressure during shutdown.
    for (const resolve of this.notFullWaiters.splice(0)) resolve();
  }

  /** Closes the journal after every drain; its files stay only if rows are still unwritten. */
  async onApplicationShutdown(): Promise<void> {
    await this.journal?.close(this.buffers.pending === 0);
  }

  /** Current numbers as a plain object, for /bot-optimization and /stats. */
  snapshot(): BatchSnapshot {
    const s = this.metrics.totals;
    return {
      size: this.config.size,
      intervalMs: this.config.flushIntervalMs,
      maxPending: this.config.maxPending,
      pending: { ...Object.fromEntries(this.pendingByTable()), total: this.buffers.pending },
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

  flushDurationSec(): Promise<{ p50: number | null; p99: number | null }> {
    return this.metrics.flushDurationSec();
  }

  private get buffers(): BatchBuffers {
    return this.engine().buffers;
  }

  /** The engine, built on first use: the tables are all registered by then. */
  private engine(): Engine {
    if (this.built) return this.built;
    const tables = statementOrder(this.tables);
    const buffers = new BatchBuffers(tables);
    const statement = flushStatement(tables);
    this.metrics.setTables(tables.map((t) => t.name));
    this.built = {
      buffers,
      byName: new Map(buffers.tables.map((b) => [b.table.name, b])),
      flusher: new BatchFlusher(buffers, statement, this.writer, this.metrics, this.logger),
    };
    return this.built;
  }

  private add<Row>(buffer: TableBuffer<Row>, row: Row): void {
    const clean = buffer.table.sanitize(row);
    const seq = this.buffers.add(buffer, clean, Date.now());
    this.journal?.append({ table: buffer.table.name, fields: buffer.table.encode(clean) }, seq);
    if (this.sizeReached()) this.loop.kickSoon();
  }

  /** A full chunk is waiting, or the bound is reached (it may be below one chunk). */
  private sizeReached(): boolean {
    return this.buffers.mostWaiting >= this.config.size || this.full;
  }

  private isDue(target: number): boolean {
    const waiting = this.buffers.minWaitingSeq();
    return waiting !== Infinity && (waiting <= target || this.sizeReached());
  }

  private async afterAttempt(written: boolean): Promise<void> {
    if (written) await this.releaseJournal();
    else this.metrics.recordFailure();
    if (this.durableWaiters.size > 0) this.durableWaiters.settle(this.buffers.minPendingSeq());
    if (this.notFullWaiters.length > 0 && !this.full) {
      for (const resolve of this.notFullWaiters.splice(0)) resolve();
    }
  }

  private onRetry(error: unknown, retry: number, delayMs: number): void {
    this.metrics.recordRetry();
    if (retry !== 1 && retry % 10 !== 0) return;
    const line = `Flush failed (${describeDbError(error)}); ${this.buffers.pending} rows kept, retry ${retry} in ${delayMs} ms`;
    // An outage heals by itself; anything else (schema, permissions, a bug) needs an operator.
    if (isTransientDbError(error)) this.logger.warn(line);
    else this.logger.error(line);
  }

  /** Re-buffers rows a crashed predecessor journaled but never flushed (before intake starts). */
  private async recoverJournal(): Promise<void> {
    if (!this.journal) return;
    const records = await this.journal.open();
    let unknown = 0;
    for (const record of records) if (!this.replay(record)) unknown++;
    await this.journal.sync();
    await this.journal.removeOrphans();
    if (records.length)
      this.logger.warn(`Replaying ${records.length - unknown} journaled rows from an earlier run`);
    if (unknown)
      this.logger.error(
        `${unknown} journaled rows belong to no registered table (or it cannot read them): dropped`,
      );
  }

  private replay(record: JournalRecord): boolean {
    const buffer = this.engine().byName.get(record.table);
    if (!buffer) return false;
    try {
      this.add(buffer, buffer.table.decode(record.fields));
      return true;
    } catch {
      return false;
    }
  }

  private async releaseJournal(): Promise<void> {
    await this.journal
      ?.release(this.buffers.minPendingSeq(), this.buffers.pending === 0)
      .catch((error: Error) => this.logger.warn(`journal cleanup failed: ${error.message}`));
  }

  private *pendingByTable(): Iterable<[string, number]> {
    for (const buffer of this.buffers.tables) yield [buffer.table.name, buffer.pendingRows];
  }

  private oldestPendingAgeMs(): number {
    const oldest = this.buffers.oldestAddedAt();
    return oldest === null ? 0 : Math.max(0, Date.now() - oldest);
  }
}
