import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { spawnApp, type AppProcess } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { chatAs, PICK_RU } from './support/settings-wizard';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

const REDIS_URL = process.env.TEST_REDIS_URL;

const appEnv = (api: FakeBotApi, db: TestDatabase, extra: Record<string, string>) => ({
  ...db.env,
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
  HOST: '127.0.0.1',
  PORT: '0',
  POLLING_TIMEOUT: '1',
  OUTBOUND_CHAT_PER_SECOND: '1000',
  RATE_LIMIT: '1000',
  LOG_LEVEL: 'warn',
  ...extra,
});

/** SIGTERM, the way an orchestrator stops a pod: the running update finishes first. */
async function stop(app: AppProcess): Promise<void> {
  app.child.kill('SIGTERM');
  await expect(app.exited).resolves.toBe(0);
}

/**
 * The wizard's position lives in the stored session: a new process continues where the old one
 * stopped, with the session in PostgreSQL (no REDIS_URL) or in Redis.
 */
describe('/settings across a restart', () => {
  let api: FakeBotApi;
  let db: TestDatabase;

  beforeEach(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await api.stop();
    await db.drop();
  });

  const stores = REDIS_URL ? (['postgres', 'redis'] as const) : (['postgres'] as const);

  it.each(stores)(
    'sessions in %s: stopped after the language step, a new process takes the name',
    async (store) => {
      // Unique per run: the Redis server outlives the test and is shared.
      const id = 6_000_000 + (Date.now() % 1_000_000);
      const env = appEnv(api, db, store === 'redis' ? { REDIS_URL: REDIS_URL! } : {});
      const chat = chatAs(api, id, 'en');

      const first = spawnApp(env);
      try {
        await api.waitFor(() => api.polls.length > 0, 30_000, 'first poll');
        await chat.say('/settings');
        expect((await chat.tap(PICK_RU)).text).toMatch(/^Шаг 2 из 2/);
      } finally {
        await stop(first);
      }
      if (store === 'postgres' && db.url) {
        const rows = await queryDatabase(db.url, 'SELECT key FROM bot_sessions');
        expect(rows).toEqual([{ key: `${id}:${id}` }]);
      }

      const polls = api.polls.length;
      const second = spawnApp(env);
      try {
        await api.waitFor(() => api.polls.length > polls, 30_000, 'second process polling');
        expect((await chat.say('Ann')).text).toBe('Сохранено. Буду называть вас Ann.');
        expect((await chat.say('/me')).text).toMatch(/^Профиль: Ann /);
      } finally {
        await stop(second);
      }
    },
    90_000,
  );
});
