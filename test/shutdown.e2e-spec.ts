import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startBotApp } from './support/bot-app';

/** SIGTERM on the real process: every accepted message is in the database, exit 0, offset confirmed. */
describe('graceful shutdown', () => {
  let api: FakeBotApi;
  let db: TestDatabase;

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await api.stop();
    await db.drop();
  });

  it('flushes 300 buffered messages and confirms them before exiting 0', async () => {
    const ids: number[] = [];
    const app = spawnApp({
      ...db.env,
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      PORT: '0',
      HOST: '127.0.0.1',
      POLLING_TIMEOUT: '10',
      BATCH_FLUSH_INTERVAL_MS: '60000',
      BATCH_SIZE: '1000',
      OUTBOUND_CHAT_PER_SECOND: '1000',
      OUTBOUND_GLOBAL_PER_SECOND: '10000',
      LOG_LEVEL: 'warn',
    });
    try {
      await api.waitFor(() => api.polls.length > 0, 30_000, 'first poll');
      for (let i = 0; i < 300; i++) ids.push(...api.push(textMessage(20_000 + i, `message ${i}`)));
      await api.waitFor(() => api.callsOf('sendMessage').length === 300, 30_000, '300 replies');
      expect(api.unconfirmed).toBe(300); // nothing durable yet: the flush interval is a minute
      app.child.kill('SIGTERM');
      await expect(app.exited).resolves.toBe(0);
    } finally {
      app.child.kill('SIGKILL');
    }
    expect(api.unconfirmed).toBe(0);

    // A new instance on the same database sees every row and does not process anything again.
    const t = await startBotApp({}, { api, db });
    try {
      const [{ n }] = await t.query('SELECT count(*)::int AS n FROM messages WHERE user_id >= 20000');
      expect(n).toBe(300);
      // Telegram re-sending stored updates (as after a crash before the confirmation) changes nothing.
      api.push(...ids.slice(0, 5).map((id, i) => ({ update_id: id, ...textMessage(20_000 + i, `message ${i}`) })));
      api.push(textMessage(29_999, 'new after restart'));
      await api.waitFor(() => api.callsOf('sendMessage').length >= 301, 15_000, 'reply to the new message');
      await new Promise((r) => setTimeout(r, 500));
      expect(api.callsOf('sendMessage')).toHaveLength(301);
    } finally {
      await t.close();
    }
  });
});
