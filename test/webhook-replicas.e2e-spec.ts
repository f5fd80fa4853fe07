import type { AddressInfo } from 'node:net';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';
import { createTestDatabase, replicaOf, type TestDatabase } from './support/test-database';
import { whenSettled } from './support/settled';

const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
// Replicas share state through a real PostgreSQL server and Redis; PGlite is single-process.
const describeShared = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;

describeShared('three webhook replicas sharing PostgreSQL and Redis', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  let replicas: BotTestContext[];
  let homes: TestDatabase[];
  // Fresh ids every run: Redis keeps claims and counters between runs.
  const base = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
    const env = {
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/hook',
      WEBHOOK_SECRET: 'replica-secret-0123456789abcdefghijklmnop',
      REDIS_URL: TEST_REDIS_URL!,
      RATE_LIMIT: '10',
      RATE_LIMIT_WINDOW: '60',
    };
    replicas = [];
    // Each replica has a DATA_DIR of its own, as each pod has its own volume.
    homes = [replicaOf(db), replicaOf(db), replicaOf(db)];
    for (const home of homes) replicas.push(await startBotApp(env, { api, db: home }));
    await api.waitFor(() => api.callsOf('setWebhook').length === 3, 10_000, 'three registrations');
  });
  afterAll(async () => {
    for (const replica of replicas ?? []) await replica.close();
    await api.stop();
    await db.drop();
    for (const home of homes ?? []) await home.drop();
  });

  const targets = () =>
    replicas.map(
      (r) => `http://127.0.0.1:${(r.app.getHttpServer().address() as AddressInfo).port}`,
    );
  const count = async (sql: string, params: unknown[]) =>
    (await replicas[0].query(sql, params))[0].n as number;

  it('limits one user to 10 messages a minute across all replicas, with one notice', async () => {
    const user = base;
    const updates = Array.from({ length: 30 }, (_, i) => ({
      update_id: base + i,
      ...textMessage(user, `burst ${i}`),
    }));
    await api.deliverWebhook(updates, targets(), { concurrency: 1 });
    await api.waitFor(() => api.repliesTo(user).length >= 11, 15_000, '10 acks and a notice');
    await whenSettled(replicas.map((r) => r.app));
    const replies = api.repliesTo(user);
    expect(replies.filter((r) => r === 'Saved.')).toHaveLength(10);
    expect(replies.filter((r) => r.startsWith('Slow down'))).toHaveLength(1);
    await expect(
      count('SELECT count(*)::int AS n FROM messages WHERE user_id = $1', [user]),
    ).resolves.toBe(10);
  });

  it('turns 1,000 updates from 200 users into exactly 1,000 rows and 1,000 replies', async () => {
    const first = base + 1000;
    const updates = Array.from({ length: 1000 }, (_, i) => ({
      update_id: first + i,
      ...textMessage(base + 100 + (i % 200), `message ${i}`),
    }));
    // Every update is delivered twice, as Telegram does after a timeout: still processed once.
    await api.deliverWebhook([...updates, ...updates.slice(0, 100)], targets(), {
      concurrency: 30,
    });
    const users = new Set(Array.from({ length: 200 }, (_, i) => base + 100 + i));
    const replies = () =>
      api.callsOf('sendMessage').filter((c) => users.has(Number(c.payload.chat_id))).length;
    await api.waitFor(() => replies() >= 1000, 30_000, '1,000 replies');
    const rows = () =>
      count('SELECT count(*)::int AS n FROM messages WHERE update_id >= $1 AND update_id < $2', [
        first,
        first + 1000,
      ]);
    for (let i = 0; i < 100 && (await rows()) < 1000; i++)
      await new Promise((r) => setTimeout(r, 100));
    await whenSettled(replicas.map((r) => r.app));
    expect(replies()).toBe(1000);
    await expect(rows()).resolves.toBe(1000);
  });
});
