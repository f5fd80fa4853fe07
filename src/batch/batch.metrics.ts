import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { medianAndP99 } from '../metrics/metric-values';
import type { BatchSnapshot } from './batch.types';

/** What the gauges read at scrape time. */
export interface BatchGaugeSource {
  /** Rows not yet committed, per table name. */
  pendingRows(): Iterable<[table: string, rows: number]>;
  oldestPendingAgeSeconds(): number;
}

/** Plain totals, for BatchService.snapshot(); the Prometheus counters read them when scraped. */
export interface BatchTotals {
  flushes: number;
  /** Rows committed per table (as its statement returned them). */
  rowsWritten: Record<string, number>;
  failures: number;
  retries: number;
  deadLetters: number;
  lastFlushAt: Date | null;
  lastFlushDurationMs: number | null;
}

/** The read side of the write-behind engine's figures. */
export interface BatchStats {
  snapshot(): BatchSnapshot;
  /** Median and p99 duration of committed flushes in seconds; null before the first flush. */
  flushDurationSec(): Promise<{ p50: number | null; p99: number | null }>;
}

/**
 * Batch figures: `totals` holds every count once; the Prometheus counters copy it when scraped,
 * the flush durations live in the histogram.
 */
export class BatchMetrics {
  readonly totals: BatchTotals = {
    flushes: 0,
    rowsWritten: {},
    failures: 0,
    retries: 0,
    deadLetters: 0,
    lastFlushAt: null,
    lastFlushDurationMs: null,
  };
  private readonly flushDuration: Histogram;
  private tables: string[] = [];

  constructor(registry: Registry, source: BatchGaugeSource) {
    const registers = [registry];
    const totals = this.totals;
    /** A counter whose value is `read()` at scrape time. */
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    new Gauge({
      name: 'telegram_bot_batch_pending_rows',
      help: 'Rows buffered and not yet committed, per buffer',
      labelNames: ['buffer'],
      registers,
      collect() {
        for (const [buffer, rows] of source.pendingRows()) this.set({ buffer }, rows);
      },
    });
    new Gauge({
      name: 'telegram_bot_batch_oldest_pending_age_seconds',
      help: 'Age of the oldest uncommitted row (0 when none)',
      registers,
      collect() {
        this.set(source.oldestPendingAgeSeconds());
      },
    });
    counter('telegram_bot_batch_flushes_total', 'Flushes committed', () => totals.flushes);
    new Counter({
      name: 'telegram_bot_batch_rows_written_total',
      help: 'Rows committed, per buffer (as its statement returned them: replays excluded)',
      labelNames: ['buffer'],
      registers,
      collect() {
        this.reset();
        for (const [buffer, rows] of Object.entries(totals.rowsWritten)) {
          this.inc({ buffer }, rows);
        }
      },
    });
    counter(
      'telegram_bot_batch_flush_failures_total',
      'Flushes that failed and kept their rows',
      () => totals.failures,
    );
    counter(
      'telegram_bot_batch_retries_total',
      'Flush retries scheduled after a failure',
      () => totals.retries,
    );
    counter(
      'telegram_bot_batch_dead_letters_total',
      'Rows refused for their content and stored in dead_letters',
      () => totals.deadLetters,
    );
    new Gauge({
      name: 'telegram_bot_batch_last_flush_timestamp_seconds',
      help: 'Unix time of the last committed flush',
      registers,
      collect() {
        this.set((totals.lastFlushAt?.getTime() ?? 0) / 1000);
      },
    });
    this.flushDuration = new Histogram({
      name: 'telegram_bot_batch_flush_duration_seconds',
      help: 'Duration of committed flushes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** The tables in statement order; their counts start at 0, so they are scraped before a flush. */
  setTables(tables: readonly string[]): void {
    this.tables = [...tables];
    for (const table of tables) this.totals.rowsWritten[table] = 0;
  }

  recordFlush(durationMs: number): void {
    this.totals.flushes++;
    this.totals.lastFlushAt = new Date();
    this.totals.lastFlushDurationMs = Math.round(durationMs * 100) / 100;
    this.flushDuration.observe(durationMs / 1000);
  }

  /** Rows one statement wrote, per table in statement order (see setTables). */
  recordWritten(rows: readonly number[]): void {
    rows.forEach((n, i) => {
      this.totals.rowsWritten[this.tables[i]] += n;
    });
  }

  recordFailure(): void {
    this.totals.failures++;
  }

  recordRetry(): void {
    this.totals.retries++;
  }

  recordDeadLetter(): void {
    this.totals.deadLetters++;
  }

  flushDurationSec(): Promise<{ p50: number | null; p99: number | null }> {
    return medianAndP99(this.flushDuration);
  }
}
