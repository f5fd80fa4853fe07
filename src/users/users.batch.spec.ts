import { Logger } from '@nestjs/common';
import {
  addUpdate,
  bootBatchApp,
  messageRow,
  userRow,
  type BatchApp,
} from '../../test/support/batch-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';

// The users and messages tables written behind together, on the real database.
describe('usersTable with messagesTable', () => {
  let db: TestDatabase;
  let a: BatchApp;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    a = await bootBatchApp({
      ...db.env,
      BATCH_SIZE: '3',
      BATCH_FLUSH_INTERVAL_MS: '60000',
      BATCH_JOURNAL: 'false',
    });
    a.moduleRef.useLogger(false);
  });
  beforeEach(() => a.query('TRUNCATE messages, users'));
  afterAll(async () => {
    await a?.moduleRef.close();
    await db?.drop();
  });

  it('counts each stored message once for its sender, and a replayed one never', async () => {
    for (let id = 1; id <= 7; id++) addUpdate(a, messageRow(id, 40 + (id % 2)));
    await a.batch.flushed();
    // A replay (journal after a crash, or Telegram sending again): sender first this time.
    for (let id = 1; id <= 7; id++) {
      a.users.add(userRow(40 + (id % 2), new Date()));
      a.messages.add(messageRow(id, 40 + (id % 2)));
    }
    a.messages.add(messageRow(8, 41)); // its sender's sighting is not buffered with it
    await a.batch.flushed();
    const users = await a.query<{ id: string; message_count: number }>(
      'SELECT id, message_count FROM users ORDER BY id',
    );
    expect(users.map((u) => [Number(u.id), u.message_count])).toEqual([
      [40, 3],
      [41, 5],
    ]);
  });

  it('merges sightings per user: one row, the latest names, seen times widened', async () => {
    for (let i = 0; i < 20; i++) {
      a.users.add({ ...userRow(7, new Date(1_700_000_000_000 + i)), username: `name${i}` });
    }
    a.users.add({ ...userRow(7, new Date(1_600_000_000_000)), username: 'old', lastName: 'Kept' });
    expect(a.batch.snapshot().pending).toEqual({ messages: 0, users: 1, total: 1 });
    await a.batch.flushed();
    const users = await a.query<Record<string, unknown>>(
      'SELECT username, last_name, first_seen_at, last_seen_at, message_count FROM users',
    );
    expect(users).toEqual([
      {
        username: 'name19',
        last_name: 'Kept',
        first_seen_at: new Date(1_600_000_000_000),
        last_seen_at: new Date(1_700_000_000_019),
        message_count: 0,
      },
    ]);
  });

  it('never clears a blocked flag when it merges a sighting', async () => {
    a.users.add(userRow(9, new Date(1_700_000_000_000)));
    await a.batch.flushed();
    await a.query('UPDATE users SET blocked_at = now() WHERE id = 9');
    a.users.add(userRow(9, new Date(1_700_000_001_000)));
    await a.batch.flushed();
    const [row] = await a.query<{ blocked: boolean }>(
      'SELECT blocked_at IS NOT NULL AS blocked FROM users WHERE id = 9',
    );
    expect(row.blocked).toBe(true);
  });
});
