import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp } from './support/app-process';
import { startBotApp, TEST_TOKEN } from './support/bot-app';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';
import { eventually } from './support/batch-faults';

const { TEST_DATABASE_URL } = process.env;
const describeServer = TEST_DATABASE_URL ? describe : describe.skip;

describeServer('PostgreSQL as a null pool', () => {
  let db: TestDatabase;
  let api: FakeBotApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
  });
  afterAll(async () => {
    await api.stop();
    await db.drop();
  });

  const connectionsOf = async (applicationName: string) =>
    (
      await queryDatabase<{ n: number }>(
        TEST_DATABASE_URL!,
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      )
    )[0].n;

  it('holds no connection once idle', async () => {
    const name = `idle-check-${process.pid}`;
    const t = await startBotApp({ DB_APPLICATION_NAME: name }, { api, db });
    try {
      api.push(textMessage(7001, '/start'), textMessage(7001, 'hello'), textMessage(7001, '/me'));
      await api.waitFor(() => api.repliesTo(7001).length === 3, 10_000, 'replies');
      await expect(t.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
      // The pool closes an idle connection right after its query: none is left once it settles.
      await eventually(async () => expect(await connectionsOf(name)).toBe(0), 10_000);
    } finally {
      await t.close();
    }
  });

  it('waits with backoff for a database that comes up after boot, then serves', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.start();
    proxy.cut();
    const url = new URL(db.url!);
    url.host = `127.0.0.1:${port}`;
    const app = spawnApp({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: url.toString(),
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    try {
      const retrying = /Database not reachable .*attempt 2 of 11 in \d+ ms/;
      for (let i = 0; i < 300 && !retrying.test(app.output()); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(app.output()).toMatch(retrying);
      const pollsBefore = api.polls.length;
      proxy.restore();
      await api.waitFor(
        () => api.polls.length > pollsBefore,
        30_000,
        'polling after the database came up',
      );
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
      await proxy.close();
    }
  });

  it('exits at once with a clear message when the database does not exist', async () => {
    const url = new URL(db.url!);
    url.pathname = '/no_such_database_here';
    const app = spawnApp({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: url.toString(),
      LOG_LEVEL: 'info',
    });
    await expect(app.exited).resolves.toBe(1);
    expect(app.output()).toContain('the database refused the connection');
    expect(app.output()).toContain('3D000');
    // At once: a missing database is not retried like an unreachable one.
    expect(app.output()).not.toMatch(/Database not reachable/);
  });
});

describe('embedded database', () => {
  it('keeps data across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tgbot-embedded-'));
    const embedded = {
      env: { DATA_DIR: dataDir },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
    const api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    try {
      const first = await startBotApp({ DATABASE_URL: '' }, { api, db: embedded });
      api.push(textMessage(7100, 'remember me'));
      await api.waitFor(() => api.repliesTo(7100).length === 1, 20_000, 'reply');
      await first.close();
      const second = await startBotApp({ DATABASE_URL: '' }, { api, db: embedded });
      try {
        await expect(
          second.query('SELECT text FROM messages WHERE user_id = 7100'),
        ).resolves.toEqual([{ text: 'remember me' }]);
      } finally {
        await second.close();
      }
    } finally {
      await api.stop();
      await embedded.drop();
    }
  });
});
