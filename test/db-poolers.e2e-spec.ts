import request from 'supertest';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { flushStatement, statementOrder } from '../src/batch/batch.sql';
import { migrations } from '../src/database/data-source.options';
import { messagesTable } from '../src/messages/messages.table';
import { usersTable } from '../src/users/users.table';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

// Prepared statements and advisory locks belong to a PostgreSQL server; PGlite has neither issue.
const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/**
 * One pooled connection kept open between statements, as a transaction-mode pooler keeps its
 * server connections: what one statement leaves on it, the next one meets.
 */
const ONE_LASTING_CONNECTION = { DB_POOL_MAX: '1', DB_IDLE_TIMEOUT_MS: '10000' };

/** The flush's prepared-statement name, as BatchService derives it from the registered tables. */
const FLUSH_NAME = flushStatement(statementOrder([messagesTable, usersTable])).name;
const FLUSH_STATEMENT = `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = '${FLUSH_NAME}'`;

async function rowsFor(t: BotTestContext, userId: number, count: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const [{ n }] = await t.query('SELECT count(*)::int AS n FROM messages WHERE user_id = $1', [
      userId,
    ]);
    if (n >= count) return n;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (await t.query('SELECT count(*)::int AS n FROM messages WHERE user_id = $1', [userId]))[0]
    .n;
}

describeWithServer('the flush behind a transaction-mode pooler', () => {
  let t: BotTestContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('runs as an unnamed statement with DB_PREPARED_STATEMENTS=false', async () => {
    t = await startBotApp({ ...ONE_LASTING_CONNECTION, DB_PREPARED_STATEMENTS: 'false' });
    for (let i = 0; i < 3; i++) t.api.push(textMessage(97_001, `unnamed ${i}`));

    await expect(rowsFor(t, 97_001, 3)).resolves.toBe(3);
    await expect(t.query(FLUSH_STATEMENT)).resolves.toEqual([{ n: 0 }]);
    const status = await request(t.app.getHttpServer()).get('/db-status').expect(200);
    expect(status.body.preparedStatements).toBe(false);
  });

  it('notices a server connection that already holds the statement and goes on unnamed', async () => {
    t = await startBotApp(ONE_LASTING_CONNECTION);
    // What a pooler's server connection looks like after another client prepared the flush there.
    await t.query(`PREPARE ${FLUSH_NAME} AS SELECT 1`);
    for (let i = 0; i < 3; i++) t.api.push(textMessage(97_002, `pooled ${i}`));

    await expect(rowsFor(t, 97_002, 3)).resolves.toBe(3);
    t.api.push(textMessage(97_002, 'and later'));
    await expect(rowsFor(t, 97_002, 4)).resolves.toBe(4);

    // The refused statement did not run: it was re-run unnamed at once, not counted as a failure.
    const http = request(t.app.getHttpServer());
    const metrics = (await http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^telegram_bot_batch_flush_failures_total 0$/m);
    const status = await http.get('/db-status').expect(200);
    expect(status.body.preparedStatements).toBe(false);
  });
});

describeWithServer('migrations of instances starting together', () => {
  let db: TestDatabase;
  const apps: BotTestContext[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  it('run once, under a lock that no connection holds afterwards', async () => {
    // No journal, so no DATA_DIR lock: both boot in this process, which shares one environment.
    const env = { ...ONE_LASTING_CONNECTION, BATCH_JOURNAL: 'false' };
    apps.push(...(await Promise.all([startBotApp(env, { db }), startBotApp(env, { db })])));

    await expect(
      queryDatabase(db.url!, 'SELECT count(*)::int AS n FROM migrations'),
    ).resolves.toEqual([{ n: migrations.length }]);
    await expect(
      queryDatabase(db.url!, `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`),
    ).resolves.toEqual([{ n: 0 }]);
  });
});
