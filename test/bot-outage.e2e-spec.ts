import request from 'supertest';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

const { TEST_DATABASE_URL } = process.env;
const describeServer = TEST_DATABASE_URL ? describe : describe.skip;

describeServer('the bot through a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: BotTestContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new TcpProxy();
    const port = await proxy.start();
    const url = new URL(db.url!);
    url.host = `127.0.0.1:${port}`;
    t = await startBotApp({ DATABASE_URL: url.toString(), DB_QUERY_TIMEOUT_MS: '2000' }, { db });
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
    await db.drop();
  });

  it('answers every message while PostgreSQL is unreachable and stores each once afterwards', async () => {
    await t.api.waitFor(() => t.api.polls.length > 0, 10_000, 'polling');
    proxy.cut();
    // More than one poll window (100): intake must not stall on the database.
    for (let i = 0; i < 150; i++) t.api.push(textMessage(40_000 + (i % 30), `during outage ${i}`));
    await t.api.waitFor(() => t.api.callsOf('sendMessage').length === 150, 20_000, '150 replies');
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'offsets confirmed');
    const health = await request(t.app.getHttpServer()).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.error.database.status).toBe('down');

    proxy.restore();
    const rows = async () =>
      (
        await queryDatabase<{ n: number; distinct: number }>(
          db.url!,
          'SELECT count(*)::int AS n, count(DISTINCT update_id)::int AS distinct FROM messages',
        )
      )[0];
    for (let i = 0; i < 100 && (await rows()).n < 150; i++)
      await new Promise((r) => setTimeout(r, 100));
    await expect(rows()).resolves.toEqual({ n: 150, distinct: 150 });
    const [{ total }] = await queryDatabase<{ total: number }>(
      db.url!,
      'SELECT sum(message_count)::int AS total FROM users',
    );
    expect(total).toBe(150);
    await request(t.app.getHttpServer()).get('/health').expect(200);
  });
});
