import { SchedulerRegistry } from '@nestjs/schedule';
import { addUpdate, bootBatchApp, messageRow, type BatchApp } from './support/batch-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

function add(app: BatchApp, from: number, to: number): void {
  for (let id = from; id <= to; id++) addUpdate(app, messageRow(id, 1 + (id % 40)));
}

async function stored(app: BatchApp): Promise<{ messages: number; counted: number }> {
  const [row] = await app.query<{ messages: number; counted: number | null }>(
    'SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT sum(message_count)::int FROM users) AS counted',
  );
  return { messages: row.messages, counted: row.counted ?? 0 };
}

describe('BatchModule drain and shutdown (e2e)', () => {
  // A 60 s interval and a chunk larger than the rows: nothing is written unless drained.
  const env = { BATCH_FLUSH_INTERVAL_MS: '60000', BATCH_SIZE: '500' };
  let db: TestDatabase;
  let app: BatchApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await app?.moduleRef.close();
    await db?.drop();
  });

  it('drain() writes 300 pending rows long before the interval, and stops the schedule', async () => {
    app = await bootBatchApp({ ...db.env, ...env });
    add(app, 1, 300);
    await expect(stored(app)).resolves.toEqual({ messages: 0, counted: 0 });
    expect(app.batch.snapshot().pending).toMatchObject({ messages: 300, users: 40 });

    await expect(app.batch.drain(10_000)).resolves.toEqual({ unwritten: 0 });
    await expect(stored(app)).resolves.toEqual({ messages: 300, counted: 300 });
    expect(app.moduleRef.get(SchedulerRegistry).getIntervals()).toEqual([]);
  });

  it('flushes what is still buffered when the application shuts down', async () => {
    add(app!, 301, 320);
    await app!.moduleRef.close();
    app = await bootBatchApp({ ...db.env, ...env });
    await expect(stored(app)).resolves.toEqual({ messages: 320, counted: 320 });
  });
});
