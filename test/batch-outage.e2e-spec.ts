import { addUpdate, bootBatchApp, messageRow, type BatchApp } from './support/batch-app';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function add(app: BatchApp, id: number): void {
  addUpdate(app, messageRow(id, 1 + (id % 300)));
}

// Needs a real server to cut the connection to; PGlite runs in-process.
const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithServer('BatchModule during a database outage (e2e)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: BatchApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new TcpProxy(Number(new URL(db.url!).port || 5432));
    const url = new URL(db.url!);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    app = await bootBatchApp({ DATABASE_URL: url.toString(), DB_QUERY_TIMEOUT_MS: '5000' });
  });

  afterAll(async () => {
    proxy?.restore();
    await app?.moduleRef.close();
    await proxy?.close();
    await db?.drop();
  });

  it('keeps every row added while the database is unreachable and writes each exactly once after', async () => {
    for (let id = 1; id <= 500; id++) add(app, id);
    await app.batch.flushed();

    proxy.cut();
    const durable = (async () => {
      let id = 501;
      const cutUntil = Date.now() + 6000;
      while (Date.now() < cutUntil) {
        for (let i = 0; i < 20; i++) add(app, id++);
        add(app, 1 + (id % 500)); // a replay of an update stored before the outage
        await sleep(50);
      }
      return id - 1;
    })();
    const lastId = await durable;
    const during = app.batch.snapshot();
    expect(during.failures).toBeGreaterThan(0);
    expect(during.pending.messages).toBeGreaterThan(lastId - 500);
    const stored = await queryDatabase<{ n: number }>(
      db.url!,
      'SELECT count(*)::int AS n FROM messages',
    );
    expect(stored[0].n).toBe(500);

    proxy.restore();
    await app.batch.flushed();

    const [counts] = await queryDatabase<{
      rows: number;
      ids: number;
      max: string;
      counted: number;
    }>(
      db.url!,
      `SELECT count(*)::int AS rows, count(DISTINCT update_id)::int AS ids, max(update_id) AS max,
              (SELECT sum(message_count)::int FROM users) AS counted
         FROM messages`,
    );
    expect(counts).toEqual({ rows: lastId, ids: lastId, max: String(lastId), counted: lastId });
    const dead = await queryDatabase<{ n: number }>(
      db.url!,
      'SELECT count(*)::int AS n FROM dead_letters',
    );
    expect(dead[0].n).toBe(0);
  });
});
