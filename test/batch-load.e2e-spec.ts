import { addUpdate, bootBatchApp, messageRow, type BatchApp } from './support/batch-app';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

const MESSAGES = 20_000;
const USERS = 10_000;

/** Feeds updates like the bot does: a message plus its user's activity, pausing while full. */
async function feed(app: BatchApp, from: number, to: number): Promise<void> {
  for (let id = from; id <= to; id++) {
    addUpdate(app, messageRow(id, 1 + (id % USERS)));
    if (app.batch.full) await app.batch.whenNotFull();
  }
}

/** Waits until the app's connections have closed: a backend's statistics count once it exits. */
async function idle(db: TestDatabase): Promise<void> {
  for (;;) {
    const [row] = await queryDatabase<{ n: number }>(
      db.url!,
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    if (row.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function commits(db: TestDatabase): Promise<number> {
  const [row] = await queryDatabase<{ n: string }>(
    db.url!,
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(row.n);
}

describe('BatchModule under load (e2e)', () => {
  let db: TestDatabase;
  let app: BatchApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await bootBatchApp(db.env);
  });

  afterAll(async () => {
    await app?.moduleRef.close();
    await db?.drop();
  });

  it('stores 20,000 messages from 10,000 users exactly once, in few transactions', async () => {
    if (db.url) await idle(db); // the boot's statistics are in before the baseline
    const before = db.url ? await commits(db) : 0;

    await feed(app, 1, MESSAGES);
    await app.batch.flushed();

    const [counts] = await app.query<{
      messages: number;
      distinct_updates: number;
      users: number;
      counted: number;
    }>(
      `SELECT (SELECT count(*)::int FROM messages) AS messages,
              (SELECT count(DISTINCT update_id)::int FROM messages) AS distinct_updates,
              (SELECT count(*)::int FROM users) AS users,
              (SELECT sum(message_count)::int FROM users) AS counted`,
    );
    expect(counts).toEqual({
      messages: MESSAGES,
      distinct_updates: MESSAGES,
      users: USERS,
      counted: MESSAGES,
    });

    if (db.url) {
      await idle(db);
      const transactions = (await commits(db)) - before;
      process.stdout.write(
        `xact_commit delta: ${transactions}, flushes: ${app.batch.snapshot().flushes}\n`,
      );
      expect(transactions).toBeLessThanOrEqual((25 * MESSAGES) / 1000);
    }
    expect(app.batch.snapshot()).toMatchObject({
      pending: { total: 0 },
      rowsWritten: { messages: MESSAGES },
      deadLetters: 0,
    });
  });

  it('ignores replayed updates: no second row, no second count', async () => {
    await feed(app, 1, 2_000);
    await app.batch.flushed();
    const [counts] = await app.query<{ messages: number; counted: number }>(
      'SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT sum(message_count)::int FROM users) AS counted',
    );
    expect(counts).toEqual({ messages: MESSAGES, counted: MESSAGES });
  });
});
