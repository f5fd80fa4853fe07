import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Registry } from 'prom-client';
import { bootBatchApp, type BatchApp } from '../../test/support/batch-app';
import { dbError, eventually, faults, FaultyWriter } from '../../test/support/batch-faults';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { METRICS_REGISTRY } from '../metrics/metrics.registry';
import { BatchJournal } from './batch.journal';
import type { BatchQueue, BatchTable } from './batch.table';
import type { BatchSnapshot } from './batch.types';

/** The engine's rows in these specs: a table no module has (the engine knows no table). */
interface Note {
  id: number;
  body: string;
}
const NOTES_DDL = 'CREATE TABLE spec_notes (id bigint PRIMARY KEY, body text NOT NULL)';
const notesTable: BatchTable<Note> = {
  name: 'spec_notes',
  sanitize: (row) => row,
  sql: (
    p,
  ) => `INSERT INTO spec_notes (id, body) SELECT * FROM unnest(${p(1)}::bigint[], ${p(2)}::text[])
  ON CONFLICT (id) DO NOTHING RETURNING 1`,
  params: (rows) => [rows.map((r) => r.id), rows.map((r) => r.body)],
  encode: (row) => [row.id, row.body],
  decode: ([id, body]) => ({ id: id as number, body: body as string }),
  describe: (row) => `note ${row.id}`,
};
const note = (id: number): Note => ({ id, body: `note ${id}` });
const notes = (app: BatchApp): BatchQueue<Note> => app.queue(notesTable);

// Real PostgreSQL (TEST_DATABASE_URL) or PGlite: what is stored is what the database did. One
// app for the file (PGlite takes seconds to boot); each test starts from empty tables.
describe('BatchService', () => {
  let db: TestDatabase;
  let a: BatchApp;
  const storedIds = async (): Promise<number[]> =>
    (await a.query<{ id: string }>('SELECT id FROM spec_notes ORDER BY id')).map((r) =>
      Number(r.id),
    );
  const delta = (before: BatchSnapshot) => {
    const now = a.batch.snapshot();
    return {
      flushes: now.flushes - before.flushes,
      failures: now.failures - before.failures,
      retries: now.retries - before.retries,
    };
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    a = await bootBatchApp(
      {
        ...db.env,
        BATCH_SIZE: '3',
        BATCH_FLUSH_INTERVAL_MS: '100',
        BATCH_MAX_PENDING: '6',
        BATCH_JOURNAL: 'false',
      },
      { tables: [notesTable], writer: FaultyWriter },
    );
    a.moduleRef.useLogger(false);
    await a.query(NOTES_DDL);
  });
  beforeEach(async () => {
    await a.batch.flushed();
    await a.query('TRUNCATE spec_notes, dead_letters');
  });
  afterEach(() => {
    faults(a).down = null;
    faults(a).failNext.length = 0;
  });
  afterAll(async () => {
    await a?.moduleRef.close();
    await db?.drop();
  });

  it('writes a full chunk soon after the size is reached, not inside add, and a partial one on the schedule', async () => {
    const before = a.batch.snapshot();
    [1, 2, 3].forEach((id) => notes(a).add(note(id)));
    expect(delta(before).flushes).toBe(0);
    await eventually(async () => expect(await storedIds()).toEqual([1, 2, 3]));
    notes(a).add(note(4)); // one row of three: only the schedule writes it
    await eventually(async () => expect(await storedIds()).toEqual([1, 2, 3, 4]));
    expect(delta(before).flushes).toBe(2);
  });

  it('retries a failed flush with backoff and keeps the rows in order', async () => {
    const before = a.batch.snapshot();
    const attempts = faults(a).attempts;
    faults(a).failNext.push(dbError('ECONNREFUSED'), dbError('57P01'), dbError('08006'));
    [1, 2, 3].forEach((id) => notes(a).add(note(id)));
    await eventually(() => faults(a).attempts > attempts);
    [4, 5].forEach((id) => notes(a).add(note(id)));
    await a.batch.flushed();
    expect(await storedIds()).toEqual([1, 2, 3, 4, 5]);
    expect(delta(before)).toMatchObject({ failures: 3, retries: 3 });
    expect(a.batch.snapshot().pending.total).toBe(0);
  });

  it('flushed() writes what it waits for at once, one flush at a time, later rows together', async () => {
    const before = a.batch.snapshot();
    const open = faults(a).hold();
    notes(a).add(note(1));
    const first = a.batch.flushed();
    await eventually(() => faults(a).active === 1);
    const waits = [2, 3].map((id) => {
      notes(a).add(note(id));
      return a.batch.flushed();
    });
    open();
    await Promise.all([first, ...waits]);
    expect(await storedIds()).toEqual([1, 2, 3]);
    expect(faults(a).maxActive).toBe(1);
    expect(delta(before).flushes).toBe(2);
  });

  it('signals backpressure at the bound, keeps every row, and releases once written', async () => {
    const open = faults(a).hold();
    for (let id = 1; id <= 8; id++) notes(a).add(note(id));
    expect(a.batch.full).toBe(true);
    let released = false;
    const notFull = a.batch.whenNotFull().then(() => (released = true));
    await eventually(() => faults(a).active === 1);
    expect(released).toBe(false);
    expect(a.batch.snapshot().pending.spec_notes).toBe(8); // nothing dropped
    open();
    await notFull;
    expect(a.batch.full).toBe(false);
    await a.batch.flushed();
    expect(await storedIds()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('registers its metrics per table and reports them in snapshot()', async () => {
    notes(a).add(note(1));
    await a.batch.flushed();
    const text = await a.moduleRef.get<Registry>(METRICS_REGISTRY).metrics();
    for (const line of [
      'telegram_bot_batch_pending_rows{buffer="spec_notes"} 0',
      'telegram_bot_batch_oldest_pending_age_seconds 0',
      'telegram_bot_batch_flushes_total ',
      'telegram_bot_batch_rows_written_total{buffer="spec_notes"} ',
      'telegram_bot_batch_flush_failures_total ',
      'telegram_bot_batch_retries_total ',
      'telegram_bot_batch_dead_letters_total 0',
      'telegram_bot_batch_last_flush_timestamp_seconds ',
      'telegram_bot_batch_flush_duration_seconds_count ',
    ]) {
      expect(text).toContain(line);
    }
    expect(a.batch.snapshot()).toEqual({
      size: 3,
      intervalMs: 100,
      maxPending: 6,
      pending: { spec_notes: 0, total: 0 },
      oldestPendingAgeMs: 0,
      flushes: expect.any(Number),
      rowsWritten: { spec_notes: expect.any(Number) },
      failures: expect.any(Number),
      retries: expect.any(Number),
      deadLetters: 0,
      lastFlushAt: expect.any(String),
      lastFlushDurationMs: expect.any(Number),
    });
  });

  // Last: a drain stops the schedule for good (it is the shutdown path).
  it('drain() stops the schedule, gives up at its deadline, reports unwritten rows and fails durable()', async () => {
    const scheduler = a.moduleRef.get(SchedulerRegistry);
    expect(scheduler.getIntervals()).toEqual(['batch-flush']);
    faults(a).down = dbError('ECONNREFUSED');
    notes(a).add(note(1));
    notes(a).add(note(2));
    const durable = a.batch.durable();
    durable.catch(() => undefined);
    await expect(a.batch.drain(500)).resolves.toEqual({ unwritten: 2 });
    await expect(durable).rejects.toThrow('not written');
    expect(scheduler.getIntervals()).toEqual([]);
    faults(a).down = null;
    await expect(a.batch.drain(5000)).resolves.toEqual({ unwritten: 0 });
    expect(await storedIds()).toEqual([1, 2]);
  });
});

describe('BatchService with a journal that cannot write', () => {
  it('falls back to the database, so updates still complete', async () => {
    let diskFull = false;
    class FullDisk extends BatchJournal {
      override sync(): Promise<void> {
        if (!diskFull) return super.sync();
        return Promise.reject(new Error('ENOSPC: no space left on device'));
      }
    }
    const db = await createTestDatabase();
    const app = await bootBatchApp(
      { ...db.env, BATCH_FLUSH_INTERVAL_MS: '60000' },
      { tables: [notesTable], journal: (dir: string) => new FullDisk(dir) },
    );
    app.moduleRef.useLogger(false);
    try {
      await app.query(NOTES_DDL);
      diskFull = true;
      notes(app).add(note(1));
      await app.batch.durable();
      const rows = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM spec_notes');
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      diskFull = false;
      await app.moduleRef.close();
      await db.drop();
    }
  });
});
