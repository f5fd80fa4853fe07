import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, type JournalRecord } from '../src/batch/batch.journal-codec';
import { frameRecord } from '../src/journal/journal-frame';
import { messagesTable } from '../src/messages/messages.table';
import { usersTable } from '../src/users/users.table';
import { bootBatchApp, messageRow, userRow, type BatchApp } from './support/batch-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const message = (id: number): JournalRecord => ({
  table: messagesTable.name,
  fields: messagesTable.encode(messageRow(id, 80_000 + id, `private text ${id}`)),
});
const frame = (record: JournalRecord) => frameRecord(encodeRecord(record));

/** What a crashed predecessor left in the write-ahead journal, replayed by the real BatchService. */
describe('replaying a damaged write-ahead journal (e2e)', () => {
  let db: TestDatabase;
  let app: BatchApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await app?.moduleRef.close();
    await db.drop();
  });

  it('stores every intact row of a torn and of a fused journal, and reports the damage', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dir = join(db.env.DATA_DIR, 'journal');
    mkdirSync(dir, { recursive: true });
    // Killed mid-write: the last record is cut short.
    writeFileSync(
      join(dir, 'wal-1700000000000-aaaaaaaa-000000.ndjson'),
      frame(message(1)) +
        frame({
          table: usersTable.name,
          fields: usersTable.encode(userRow(80_001, new Date(1_760_000_000_000))),
        }) +
        frame(message(2)) +
        frame(message(3)).slice(0, 20),
    );
    // A record fused onto the torn bytes of the one before it.
    writeFileSync(
      join(dir, 'wal-1700000000001-bbbbbbbb-000000.ndjson'),
      frame(message(4)).slice(0, 25) + frame(message(5)) + frame(message(6)),
    );

    app = await bootBatchApp({ ...db.env, BATCH_FLUSH_INTERVAL_MS: '60000' });
    await expect(app.batch.drain(10_000)).resolves.toEqual({ unwritten: 0 });

    const rows = await app.query<{ update_id: string }>(
      'SELECT update_id FROM messages WHERE user_id > 80000 ORDER BY update_id',
    );
    expect(rows.map((r) => Number(r.update_id))).toEqual([1, 2, 5, 6]);
    const [user] = await app.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE id = 80001',
    );
    expect(user.n).toBe(1);

    const logged = (spy: jest.SpyInstance) => spy.mock.calls.map(([line]) => String(line));
    expect(logged(error).filter((line) => line.includes('damaged record'))).toEqual([
      expect.stringContaining('skipped 1 damaged record '),
    ]);
    expect(logged(error).join()).toContain('wal-1700000000001-bbbbbbbb-000000.ndjson');
    expect(logged(warn).filter((line) => line.includes('cut short by a crash'))).toEqual([
      expect.stringContaining('wal-1700000000000-aaaaaaaa-000000.ndjson'),
    ]);
    expect([...logged(error), ...logged(warn)].join()).not.toContain('private text');
  });
});
