import { bootBatchApp, messageRow, userRow, type BatchApp } from './support/batch-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

describe('BatchModule with hostile content (e2e)', () => {
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

  it('stores NUL bytes, 4096-character texts and absurd names; dead-letters only refused rows', async () => {
    const long = 'й'.repeat(4096);
    // What an array literal would mistake for syntax: rows go to PostgreSQL as one array per column.
    const arrayish = 'say "hi", {x} \\ y\nNULL';
    app.messages.add(messageRow(1, 10, 'before\u0000after'));
    app.messages.add(messageRow(2, 10, long));
    app.messages.add({ ...messageRow(3, 10), createdAt: new Date(NaN) });
    app.messages.add(messageRow(4, null, null));
    app.messages.add(messageRow(5, 12, arrayish));
    app.users.add({ ...userRow(12, new Date()), username: 'NULL', lastName: '{}' });
    app.users.add({ ...userRow(10, new Date()), firstName: 'x'.repeat(10_000) });
    app.users.add({ ...userRow(2 ** 64, new Date()), username: 'too big' }); // beyond bigint
    await app.batch.flushed();

    const messages = await app.query<{ update_id: string | number; text: string | null }>(
      'SELECT update_id, text FROM messages ORDER BY update_id',
    );
    expect(messages.map((m) => [Number(m.update_id), m.text])).toEqual([
      [1, 'beforeafter'],
      [2, long],
      [4, null],
      [5, arrayish],
    ]);
    const users = await app.query<{
      id: string | number;
      name_length: number;
      message_count: number;
      username: string;
      last_name: string | null;
    }>(
      'SELECT id, length(first_name) AS name_length, message_count, username, last_name FROM users ORDER BY id',
    );
    // User 10: three messages, one of them the refused update 3, so two are counted.
    expect(
      users.map((u) => [Number(u.id), u.name_length, u.message_count, u.username, u.last_name]),
    ).toEqual([
      [10, 256, 2, 'user10', null],
      [12, 4, 1, 'NULL', '{}'],
    ]);

    const dead = await app.query<{
      kind: string;
      payload: { updateId?: number; id?: number };
      reason: string;
    }>('SELECT kind, payload, reason FROM dead_letters ORDER BY id');
    expect(dead).toEqual([
      {
        kind: 'messages',
        payload: expect.objectContaining({ updateId: 3, createdAt: null }),
        reason: expect.any(String),
      },
      {
        kind: 'users',
        payload: expect.objectContaining({ id: 2 ** 64, username: 'too big' }),
        reason: expect.any(String),
      },
    ]);
    expect(app.batch.snapshot()).toMatchObject({ deadLetters: 2, pending: { total: 0 } });
  });
});
