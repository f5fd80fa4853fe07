import { BotMetrics } from '../src/bot/bot.metrics';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp } from './support/app-process';
import { startBotApp, TEST_TOKEN } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const appEnv = (api: FakeBotApi, db: TestDatabase) => ({
  ...db.env,
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
  PORT: '0',
  HOST: '127.0.0.1',
  POLLING_TIMEOUT: '10',
  // Nothing reaches PostgreSQL before shutdown unless the drain writes it.
  BATCH_FLUSH_INTERVAL_MS: '60000',
  BATCH_SIZE: '1000',
  OUTBOUND_CHAT_PER_SECOND: '1000',
  OUTBOUND_GLOBAL_PER_SECOND: '10000',
  LOG_LEVEL: 'warn',
});

/**
 * Sends one chat two messages and makes the reply to the first hang: the first update stays
 * running, and the second, queued behind it (a chat's updates run in order), never starts.
 */
async function stallChat(api: FakeBotApi, userId: number): Promise<void> {
  const stalledBefore = api.stalled;
  api.stalledChats.add(userId);
  api.push(textMessage(userId, 'stuck'));
  api.push(textMessage(userId, 'queued'));
  await api.waitFor(() => api.stalled === stalledBefore + 1, 30_000, 'a reply hanging');
}

/** The real process under SIGTERM and SIGKILL: accepted messages are never lost nor answered twice. */
describe('shutdown and crash', () => {
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
    const app = spawnApp(appEnv(api, db));
    try {
      await api.waitFor(() => api.polls.length > 0, 30_000, 'first poll');
      for (let i = 0; i < 300; i++) api.push(textMessage(20_000 + i, `message ${i}`));
      await api.waitFor(() => api.callsOf('sendMessage').length === 300, 30_000, '300 replies');
      app.child.kill('SIGTERM');
      await expect(app.exited).resolves.toBe(0);
    } finally {
      app.child.kill('SIGKILL');
    }
    expect(api.unconfirmed).toBe(0);

    // A new instance on the same database sees every row and does not process anything again.
    const t = await startBotApp({}, { api, db });
    try {
      const [{ n }] = await t.query(
        'SELECT count(*)::int AS n FROM messages WHERE user_id >= 20000',
      );
      expect(n).toBe(300);
      api.push(textMessage(29_999, 'new after restart'));
      // Nothing of the first run is run again: none was left unfinished, and Telegram holds
      // nothing unconfirmed; the reply to a new message shows intake is running.
      const replayed = (await t.app.get(BotMetrics).replayed.get()).values[0]?.value ?? 0;
      expect(replayed).toBe(0);
      await api.waitFor(
        () => api.repliesTo(29_999).length === 1,
        15_000,
        'reply to the new message',
      );
      expect(api.callsOf('sendMessage')).toHaveLength(301);
    } finally {
      await t.close();
    }
  });

  // everysec: what a write handed to the OS survives the process (not the machine).
  it.each([
    ['always', 30_000],
    ['everysec', 31_000],
  ])(
    'replays journaled messages after a SIGKILL, answering none twice (JOURNAL_FSYNC=%s)',
    async (fsync, firstUser) => {
      const before = api.callsOf('sendMessage').length;
      const app = spawnApp({ ...appEnv(api, db), JOURNAL_FSYNC: fsync });
      try {
        await api.waitFor(() => api.polls.length > 0 && api.unconfirmed === 0, 30_000, 'polling');
        for (let i = 0; i < 50; i++) api.push(textMessage(firstUser + i, `crash ${i}`));
        await api.waitFor(
          () => api.callsOf('sendMessage').length === before + 50,
          30_000,
          '50 replies',
        );
        // Confirmed to Telegram while still only in the journal (the flush interval is a minute).
        await api.waitFor(() => api.unconfirmed === 0, 15_000, 'offset confirmed');
      } finally {
        app.child.kill('SIGKILL');
        await app.exited;
      }
      const t = await startBotApp({}, { api, db });
      try {
        const users = [firstUser, firstUser + 999];
        const rows = async () =>
          (
            await t.query(
              'SELECT count(*)::int AS n FROM messages WHERE user_id BETWEEN $1 AND $2',
              users,
            )
          )[0].n;
        for (let i = 0; i < 100 && (await rows()) < 50; i++)
          await new Promise((r) => setTimeout(r, 100));
        await expect(rows()).resolves.toBe(50);
        const [{ total }] = await t.query(
          'SELECT sum(message_count)::int AS total FROM users WHERE id BETWEEN $1 AND $2',
          users,
        );
        expect(total).toBe(50);
        expect(api.callsOf('sendMessage')).toHaveLength(before + 50);
      } finally {
        await t.close();
      }
    },
  );

  it('leaves updates not started by the SIGTERM drain deadline to the next start', async () => {
    const slowUser = 50_000;
    const app = spawnApp({ ...appEnv(api, db), SHUTDOWN_TIMEOUT_MS: '2000' });
    try {
      await api.waitFor(() => api.polls.length > 0 && api.unconfirmed === 0, 30_000, 'polling');
      await stallChat(api, slowUser);
      app.child.kill('SIGTERM');
      await expect(app.exited).resolves.toBe(0);
    } finally {
      app.child.kill('SIGKILL');
      api.stalledChats.delete(slowUser);
    }
    // Confirmed at shutdown: journaled, so Telegram need not send them again.
    expect(api.unconfirmed).toBe(0);
    const t = await startBotApp({}, { api, db });
    try {
      await api.waitFor(
        () => api.repliesTo(slowUser).length === 1,
        15_000,
        'the queued update run',
      );
    } finally {
      await t.close();
    }
  });

  it.each([
    ['always', 40_000],
    ['everysec', 41_000],
  ])(
    'runs updates confirmed but never started at a SIGKILL at the next start (JOURNAL_FSYNC=%s)',
    async (fsync, slowUser) => {
      const otherUser = slowUser + 1;
      const app = spawnApp({ ...appEnv(api, db), JOURNAL_FSYNC: fsync });
      try {
        await api.waitFor(() => api.polls.length > 0 && api.unconfirmed === 0, 30_000, 'polling');
        await stallChat(api, slowUser);
        api.push(textMessage(otherUser, 'fine'));
        await api.waitFor(() => api.repliesTo(otherUser).length === 1, 30_000, 'the other reply');
        // Journaled before the next poll, so confirmed although neither of the chat's updates finished.
        await api.waitFor(() => api.unconfirmed === 0, 15_000, 'offset confirmed');
      } finally {
        app.child.kill('SIGKILL');
        await app.exited;
        api.stalledChats.delete(slowUser);
      }
      expect(api.repliesTo(slowUser)).toEqual([]);
      const t = await startBotApp({}, { api, db });
      try {
        // Telegram will not send it again: only the journal brings it back. The hanging update had
        // stored its message already, so it counts as handled (as for a re-sent stored update).
        await api.waitFor(
          () => api.repliesTo(slowUser).length === 1,
          15_000,
          'the queued update run',
        );
        const texts = async () =>
          (
            await t.query(
              'SELECT text FROM messages WHERE user_id IN ($1, $2) ORDER BY update_id',
              [slowUser, otherUser],
            )
          ).map((r: { text: string }) => r.text);
        for (let i = 0; i < 100 && (await texts()).length < 3; i++)
          await new Promise((r) => setTimeout(r, 100));
        await expect(texts()).resolves.toEqual(['stuck', 'queued', 'fine']);
        expect(api.repliesTo(otherUser)).toHaveLength(1);
      } finally {
        await t.close();
      }
    },
  );
});
