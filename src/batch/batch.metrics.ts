import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges read at scrape time. */
export interface BatchGaugeSource {
  /** Rows not yet committed, per table name. */
  pendingRows(): Iterable<[table: string, rows: number]>;
  oldestPendingAgeSeconds(): number;
}

/** Plain totals, for BatchService.snapshot(). */
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

/** Batch counters in the shared registry, scraped by Prometheus and read by /bot-optimization. */
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
  readonly flushes: Counter;
  readonly rowsWritten: Counter<'buffer'>;
  readonly failures: Counter;
  readonly retries: Counter;
  readonly deadLetters: Counter;
  readonly lastFlush: Gauge;
  readonly flushDuration: Histogram;
  private tables: string[] = [];

  constructor(registry: Registry, source: BatchGaugeSource) {
    const registers = [registry];
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
    this.flushes = new Counter({
      name: 'telegram_bot_batch_flushes_total',
      help: 'Flushes committed',
      registers,
    });
    this.rowsWritten = new Counter({
      name: 'telegram_bot_batch_rows_written_total',
      help: 'Rows committed, per buffer (as its statement returned them: replays excluded)',
      labelNames: ['buffer'],
      registers,
    });
    this.failures = new Counter({
      name: 'telegram_bot_batch_flush_failures_total',
      help: 'Flushes that failed and kept their rows',
      registers,
    });
    this.retries = new Counter({
      name: 'telegram_bot_batch_retries_total',
      help: 'Flush retries scheduled after a failure',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'telegram_bot_batch_dead_letters_total',
      help: 'Rows refused for their content and stored in dead_letters',
      registers,
    });
    this.lastFlush = new Gauge({
      name: 'telegram_bot_batch_last_flush_timestamp_seconds',
      help: 'Unix time of the last committed flush',
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'telegram_bot_batch_flush_duration_seconds',
      help: 'Duration of committed flushes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** The tables in statement order; their counters start at 0, so they are scraped before a flush. */
  setTables(tables: readonly string[]): void {
    this.tables = [...tables];
    for (const table of tables) {
      this.totals.rowsWritten[table] = 0;
      this.rowsWritten.inc({ buffer: table }, 0);
    }
  }

  recordFlush(durationMs: number): void {
    this.totals.flushes++;
    this.totals.lastFlushAt = new Date();
    this.totals.lastFlushDurationMs = Math.round(durationMs * 100) / 100;
    this.flushes.inc();
    this.lastFlush.set(Date.now() / 1000);
    this.flushDuration.observe(durationMs / 1000);
  }

  /** Rows one statement wrote, per table in statement order (see setTables). */
  recordWritten(rows: readonly number[]): void {
    rows.forEach((n, i) => {
      const table = this.tables[i];
      this.totals.rowsWritten[table] += n;
      this.rowsWritten.inc({ buffer: table }, n);
    });
  }

  recordFailure(): void {
    this.totals.failures++;
    this.failures.inc();
  }

  recordRetry(): void {
    this.totals.retries++;
    this.retries.inc();
  }

  recordDeadLetter(): void {
    this.totals.deadLetters++;
    this.deadLetters.inc();
  }
}
