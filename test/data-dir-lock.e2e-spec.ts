import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** The real service as child processes sharing one DATA_DIR, as two replicas on one volume would. */
describe('one instance per DATA_DIR (e2e)', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  const running: AppProcess[] = [];
  const start = () => {
    const app = spawnApp({
      ...db.env,
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      PORT: '0',
      HOST: '127.0.0.1',
      POLLING_TIMEOUT: '1',
      LOG_LEVEL: 'warn',
    });
    running.push(app);
    return app;
  };
  const answered = async (userId: number, what: string) => {
    api.push(textMessage(userId, 'hello'));
    await api.waitFor(() => api.repliesTo(userId).length === 1, 30_000, what);
  };

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of running) app.child.kill('SIGKILL');
    await Promise.all(running.map((app) => app.exited));
    await api.stop();
    await db.drop();
  });

  it('refuses a second instance, naming the directory and the reason, and starts again after a SIGKILL', async () => {
    const first = start();
    await answered(70_001, 'the first instance answering');

    const second = start();
    await expect(second.exited).resolves.toBe(1);
    expect(second.output()).toContain(
      `Boot failed: DATA_DIR ${db.env.DATA_DIR} is in use by another running instance of this service`,
    );
    expect(second.output()).toContain('Each instance needs its own DATA_DIR');
    // The first instance keeps its journal and keeps answering.
    await answered(70_002, 'the first instance answering after the refusal');

    first.child.kill('SIGKILL');
    await first.exited;
    // The dead instance's lock goes stale and the next start takes it over by itself.
    const third = start();
    await answered(70_003, 'the instance started after the SIGKILL answering');
    third.child.kill('SIGTERM');
    await expect(third.exited).resolves.toBe(0);
  });
});
