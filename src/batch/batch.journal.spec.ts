import { Logger } from '@nestjs/common';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalFsync } from '../journal/append-journal';
import { BatchJournal, type JournalRecord } from './batch.journal';
import { orphanAll } from '../../test/support/journal-files';

const record = (id: number): JournalRecord => ({
  table: 'notes',
  fields: [id, `note ${id}`, 1_700_000_000_000],
});

describe('BatchJournal', () => {
  let dir: string;
  /** Every journal a test opened; those left open play crashed processes until the test ends. */
  const opened: BatchJournal[] = [];
  const journalIn = (path: string, fsync?: JournalFsync): BatchJournal => {
    const journal = new BatchJournal(path, fsync);
    opened.push(journal);
    return journal;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'journal-spec-'))));
  afterEach(async () => {
    // Their file handles too: left to the garbage collector, Node warns (DEP0137).
    await Promise.all(opened.splice(0).map((journal) => journal.close(false)));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<JournalFsync>(['always', 'everysec'])(
    'gives a crashed predecessor’s synced records back, in order (fsync %s)',
    async (fsync) => {
      const first = journalIn(dir, fsync);
      await expect(first.open()).resolves.toEqual([]);
      first.append(record(1), 1);
      first.append(record(2), 2);
      await first.sync();
      orphanAll(dir, 'wal');

      const second = journalIn(dir);
      const records = await second.open();
      expect(records).toEqual([record(1), record(2)]);
      await second.removeOrphans();
      expect(readdirSync(dir).filter((n) => n.startsWith('wal-999999999-'))).toEqual([]);
    },
  );

  it('skips a torn last line', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append(record(1), 1);
    await first.sync();
    for (const name of readdirSync(dir)) appendFileSync(join(dir, name), '["notes",[2,');
    orphanAll(dir, 'wal');
    await expect(journalIn(dir).open()).resolves.toEqual([record(1)]);
  });

  it('empties itself once nothing is pending, and deletes its files on a clean close', async () => {
    const journal = journalIn(dir);
    await journal.open();
    journal.append(record(1), 1);
    await journal.sync();
    await journal.release(2, true);
    expect(readdirSync(dir).map((n) => readFileSync(join(dir, n), 'utf8'))).toEqual(['']);
    journal.append(record(2), 2);
    await journal.close(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps its files when rows are still unwritten at close', async () => {
    const journal = journalIn(dir);
    await journal.open();
    journal.append(record(1), 1);
    await journal.close(false);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('resolves concurrent syncs once their own records are on disk', async () => {
    const first = journalIn(dir);
    await first.open();
    first.append(record(1), 1);
    const early = first.sync();
    first.append(record(2), 2);
    const late = first.sync();
    const again = first.sync();
    await Promise.all([early, late, again]);
    first.append(record(3), 3);
    await first.sync();
    orphanAll(dir, 'wal');
    await expect(journalIn(dir).open()).resolves.toEqual([record(1), record(2), record(3)]);
  });
});
