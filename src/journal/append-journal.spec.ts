import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orphanAll } from '../../test/support/journal-files';
import { AppendJournal, type AppendJournalOptions, type JournalCodec } from './append-journal';
import { frameRecord } from './journal-frame';

const text: JournalCodec<string> = { encode: (s) => s, decode: (s) => s };
const json: JournalCodec<string> = {
  encode: (s) => JSON.stringify(s),
  decode: (line) => {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'string') throw new Error('not a record');
    return value;
  },
};

/** Real files whose next `plan.short` writes put only half their bytes on disk, as a full disk does. */
function shortWrites(plan: { short: number }): AppendJournalOptions['openFile'] {
  return async (path, flags, mode) => {
    const handle = await open(path, flags, mode);
    return {
      write: async (data: Buffer) => {
        if (plan.short === 0) return handle.write(data);
        plan.short--;
        return handle.write(data.subarray(0, data.length >> 1));
      },
      datasync: () => handle.datasync(),
      truncate: (length: number) => handle.truncate(length),
      close: () => handle.close(),
    };
  };
}

/** The file handle a journal writes to (its only segment). */
const handleOf = (journal: AppendJournal<string>): FileHandle =>
  (journal as unknown as { segments: { handle: FileHandle }[] }).segments[0].handle;

describe('AppendJournal', () => {
  let dir: string;
  const opened: AppendJournal<string>[] = [];
  const journalIn = (
    codec: JournalCodec<string> = text,
    options?: AppendJournalOptions,
    fsync: 'always' | 'everysec' = 'always',
  ): AppendJournal<string> => {
    const journal = new AppendJournal(dir, 'test', codec, fsync, options);
    opened.push(journal);
    return journal;
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'append-journal-spec-'))));
  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    await Promise.all(opened.splice(0).map((journal) => journal.close(false)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a failing fdatasync once, not at every second’s retry, and keeps retrying', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const journal = journalIn(text, {}, 'everysec');
    await journal.open();
    journal.append('a record', 1);
    await journal.sync(); // written to the OS; its fdatasync is left to the timer
    const datasync = jest
      .spyOn(handleOf(journal), 'datasync')
      .mockRejectedValue(new Error('EIO: i/o error'));

    for (let second = 0; second < 5; second++) await jest.advanceTimersByTimeAsync(1000);

    expect(datasync).toHaveBeenCalledTimes(5);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0][0]).toContain('test journal fdatasync failed: EIO: i/o error');
    datasync.mockRestore();
  });

  it('creates its directory 0700 and its files 0600: they hold users’ messages', async () => {
    dir = join(dir, 'journal');
    const journal = journalIn();
    await journal.open();
    journal.append('a record', 1);
    await journal.sync();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(dir);
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
  });

  describe('a write that falls short (disk full)', () => {
    beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));

    it('fails the sync it would have made durable, and every later one until released', async () => {
      const plan = { short: 0 };
      const journal = journalIn(json, { openFile: shortWrites(plan) });
      await journal.open();
      journal.append('one', 1);
      await expect(journal.sync()).resolves.toBeUndefined();

      plan.short = 1;
      journal.append('two', 2);
      await expect(journal.sync()).rejects.toThrow('test journal write fell short');
      // Written, but "everything appended so far" includes the lost record.
      journal.append('three', 3);
      await expect(journal.sync()).rejects.toThrow('fell short');

      await journal.release(3, false); // the owner no longer needs records below 3
      journal.append('four', 4);
      await expect(journal.sync()).resolves.toBeUndefined();
    });

    it('never fuses the next record with the torn one: a later start keeps every whole record', async () => {
      const plan = { short: 0 };
      const journal = journalIn(json, { openFile: shortWrites(plan) });
      await journal.open();
      journal.append('one', 1);
      await journal.sync();
      plan.short = 1;
      journal.append('two', 2);
      await journal.sync().catch(() => undefined);
      journal.append('three', 3);
      await journal.sync().catch(() => undefined);
      orphanAll(dir, 'test');

      const next = journalIn(json);
      await expect(next.open()).resolves.toEqual(['one', 'three']);
      expect(next.damagedRecords).toBe(1);
      expect(next.tornRecords).toBe(0);
    });

    it('fails writes once the DATA_DIR lock is lost', async () => {
      let held = true;
      const lock = {
        assertHeld: () => {
          if (!held) throw new Error('lost the lock on DATA_DIR');
        },
      };
      const journal = journalIn(json, { lock });
      await journal.open();
      held = false;
      journal.append('one', 1);
      await expect(journal.sync()).rejects.toThrow('lost the lock on DATA_DIR');
    });
  });

  it('never erases a record written while a release is under way', async () => {
    const journal = journalIn();
    await journal.open();
    journal.append('flushed', 1);
    await journal.sync();

    // The release stops inside its truncate, as its awaits let other work run.
    const handle = handleOf(journal);
    const truncate = handle.truncate.bind(handle);
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    jest.spyOn(handle, 'truncate').mockImplementationOnce(async (length) => {
      await resumed;
      return truncate(length);
    });
    const write = handle.write.bind(handle) as (data: Buffer) => Promise<unknown>;
    let written: Promise<unknown> | undefined;
    jest
      .spyOn(handle, 'write')
      .mockImplementation(
        ((data: Buffer) => (written = write(data))) as unknown as FileHandle['write'],
      );

    const released = journal.release(2, true); // everything up to 1 is flushed
    journal.append('new', 2);
    const synced = journal.sync();
    await written; // a write that starts now has reached the file before the release resumes
    resume();
    await released;
    await synced;
    orphanAll(dir, 'test');
    await expect(journalIn().open()).resolves.toEqual(['new']);
  });

  describe('replaying a predecessor’s files', () => {
    const file = (name: string, content: string) =>
      writeFileSync(join(dir, name), content, { mode: 0o600 });
    const frame = (s: string) => frameRecord(JSON.stringify(s));
    let warn: jest.SpyInstance;
    let error: jest.SpyInstance;
    beforeEach(() => {
      warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    });

    it('keeps every intact record and reports the damage once, naming files, never contents', async () => {
      // A crash mid-write: the last record is cut short.
      file(
        'test-1700000000000-aaaa-000000.ndjson',
        frame('m1') + frame('m2') + frame('m3').slice(0, 6),
      );
      // A record fused onto torn bytes, and one whose bytes changed.
      file(
        'test-1700000000001-bbbb-000000.ndjson',
        frame('m4').slice(0, 5) + frame('m5') + frame('m6').replace('m6', 'x6') + frame('m7'),
      );

      const journal = journalIn(json);
      await expect(journal.open()).resolves.toEqual(['m1', 'm2', 'm5', 'm7']);

      expect(journal.damagedRecords).toBe(3);
      expect(journal.tornRecords).toBe(1);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0][0]).toContain('skipped 2 damaged records');
      expect(error.mock.calls[0][0]).toContain('test-1700000000001-bbbb-000000.ndjson');
      const torn = warn.mock.calls.map(([message]) => String(message));
      expect(torn).toHaveLength(1);
      expect(torn[0]).toContain('skipped 1 record cut short by a crash');
      expect(torn[0]).toContain('test-1700000000000-aaaa-000000.ndjson');
      // The records are m1, m2…; the temporary directory's random name may hold such letters too.
      expect(JSON.stringify([error.mock.calls, warn.mock.calls])).not.toMatch(/\bm\d\b/);
    });

    it('reports a torn last record only as a warning', async () => {
      file('test-1700000000000-aaaa-000000.ndjson', frame('m1') + frame('m2').slice(0, 4));
      const journal = journalIn(json);
      await expect(journal.open()).resolves.toEqual(['m1']);
      expect(error).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(journal.damagedRecords).toBe(1);
    });
  });
});
