/** Snapshot of the batcher, for /bot-optimization. */
export interface BatchSnapshot {
  size: number;
  intervalMs: number;
  maxPending: number;
  /** Rows not yet committed per table, and in all. */
  pending: Record<string, number> & { total: number };
  oldestPendingAgeMs: number;
  flushes: number;
  /** Rows committed per table (as its statement returned them: replays excluded). */
  rowsWritten: Record<string, number>;
  failures: number;
  retries: number;
  deadLetters: number;
  lastFlushAt: string | null;
  lastFlushDurationMs: number | null;
}
