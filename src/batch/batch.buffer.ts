import type { AnyBatchTable, BatchTable } from './batch.table';

/** A buffered row: the lowest sequence number merged into it, and when it arrived. */
export interface Pending<Row = unknown> {
  row: Row;
  key: unknown;
  minSeq: number;
  addedAt: number;
}

/**
 * One table's rows not yet committed: waiting (merged per key, or appended) and in flight.
 * Waiting rows stay in ascending `minSeq` order (a merge keeps the earlier row's place, and rows
 * put back after a failed flush are older than every row still waiting), so the oldest is first.
 */
export class TableBuffer<Row> {
  private waiting = new Map<unknown, Pending<Row>>();
  private readonly inFlight = new Set<Pending<Row>>();

  constructor(readonly table: BatchTable<Row>) {}

  get waitingRows(): number {
    return this.waiting.size;
  }

  get pendingRows(): number {
    return this.waiting.size + this.inFlight.size;
  }

  add(row: Row, seq: number, now: number): void {
    const merge = this.table.merge;
    const key = merge ? merge.key(row) : seq;
    const earlier = merge ? this.waiting.get(key) : undefined;
    if (earlier) earlier.row = merge!.rows(earlier.row, row);
    else this.waiting.set(key, { row, key, minSeq: seq, addedAt: now });
  }

  /** Takes the `size` oldest waiting rows into flight. */
  take(size: number): Pending<Row>[] {
    const taken: Pending<Row>[] = [];
    for (const [key, pending] of this.waiting) {
      if (taken.length >= size) break;
      this.waiting.delete(key);
      this.inFlight.add(pending);
      taken.push(pending);
    }
    return taken;
  }

  /** Forgets rows that are committed (or dead-lettered). */
  settle(rows: readonly Pending<Row>[]): void {
    for (const pending of rows) this.inFlight.delete(pending);
  }

  /** Puts rows whose write failed back in front, merged with rows of the same key added since. */
  restore(rows: readonly Pending<Row>[]): void {
    const merge = this.table.merge;
    const restored = new Map<unknown, Pending<Row>>();
    for (const pending of [...rows].sort((a, b) => a.minSeq - b.minSeq)) {
      this.inFlight.delete(pending);
      const later = this.waiting.get(pending.key);
      if (later && merge) pending.row = merge.rows(pending.row, later.row);
      restored.set(pending.key, pending);
    }
    for (const [key, pending] of this.waiting) if (!restored.has(key)) restored.set(key, pending);
    this.waiting = restored;
  }

  /** The lowest sequence number waiting (Infinity when none). */
  minWaitingSeq(): number {
    return this.first()?.minSeq ?? Infinity;
  }

  /** The lowest sequence number not yet committed (Infinity when none). */
  minPendingSeq(): number {
    let min = this.minWaitingSeq();
    for (const pending of this.inFlight) if (pending.minSeq < min) min = pending.minSeq;
    return min;
  }

  /** When the oldest uncommitted row arrived (Infinity when none). */
  oldestAddedAt(): number {
    let oldest = this.first()?.addedAt ?? Infinity;
    for (const pending of this.inFlight) if (pending.addedAt < oldest) oldest = pending.addedAt;
    return oldest;
  }

  private first(): Pending<Row> | undefined {
    return this.waiting.values().next().value;
  }
}

/** The rows of one flush (or of part of one while a bad row is isolated), one list per table. */
export type FlushUnit = Pending[][];

/** Every table's buffer, in statement order, and the sequence numbers shared by all of them. */
export class BatchBuffers {
  readonly tables: TableBuffer<unknown>[];
  private seq = 0;

  constructor(tables: readonly AnyBatchTable[]) {
    this.tables = tables.map((table) => new TableBuffer<unknown>(table));
  }

  /** Sequence number of the last row added. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Rows not yet committed, in flight included. */
  get pending(): number {
    let n = 0;
    for (const buffer of this.tables) n += buffer.pendingRows;
    return n;
  }

  /** Rows waiting in the fullest table (not in flight). */
  get mostWaiting(): number {
    let n = 0;
    for (const buffer of this.tables) n = Math.max(n, buffer.waitingRows);
    return n;
  }

  /** Buffers `row` in `buffer` and returns its sequence number. */
  add<Row>(buffer: TableBuffer<Row>, row: Row, now: number): number {
    const seq = ++this.seq;
    buffer.add(row, seq, now);
    return seq;
  }

  /** Up to `size` rows of every table, oldest first. */
  take(size: number): FlushUnit {
    return this.tables.map((buffer) => buffer.take(size));
  }

  settle(unit: FlushUnit): void {
    unit.forEach((rows, i) => this.tables[i].settle(rows));
  }

  restore(unit: FlushUnit): void {
    unit.forEach((rows, i) => this.tables[i].restore(rows));
  }

  minWaitingSeq(): number {
    return Math.min(...this.tables.map((buffer) => buffer.minWaitingSeq()));
  }

  minPendingSeq(): number {
    return Math.min(...this.tables.map((buffer) => buffer.minPendingSeq()));
  }

  /** When the oldest uncommitted row arrived (null when none). */
  oldestAddedAt(): number | null {
    const oldest = Math.min(...this.tables.map((buffer) => buffer.oldestAddedAt()));
    return oldest === Infinity ? null : oldest;
  }
}
