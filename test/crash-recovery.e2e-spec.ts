import { BotMetrics } from '../src/bot/bot.metrics';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { startBotApp, TEST_TOKEN } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { freePort } from './support/free-port';

const SECRET = 'crash-recovery-secret-0123456789abcdef';

const appEnv = (api: FakeBotApi, db: TestDatabase, extra: Record<string, string> = {}) => ({
  ...db.env,
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
  HOST: '127.0.0.1',
  PORT: '0',
  POLLING_TIMEOUT: '10',
  // Rows stay in the write-ahead journal until the kill: PostgreSQL sees them only after restart.
  BATCH_FLUSH_INTERVAL_MS: '60000',
  BATCH_SIZE: '1000',
  OUTBOUND_CHAT_PER_SECOND: '1000',
  OUTBOUND_GLOBAL_PER_SECOND: '10000',
  RATE_LIMIT: '1000',
  LOG_LEVEL: 'warn',
  ...extra,
});

async function kill(app: AppProcess): Promise<void> {
  app.child.kill('SIGKILL');
  await app.exited;
}

/** Resolves once the service on `port` answers /health/live. */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null);
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing answered on port ${port}`);
}

/** Message calls a crashed predecessor had on their way, as the service on `port` counted them. */
async function effectsInDoubt(port: number): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^telegram_bot_effects_in_doubt_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

/**
 * SIGKILL at arbitrary moments, then a restart on the same database and DATA_DIR: every update
 * Telegram was told about is stored once, and no reply goes out twice.
 */
describe('crash recovery', () => {
  let api: FakeBotApi;

  beforeEach(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
  });
  afterEach(() => api.stop());

  // Where the kill lands: after this many of the 40 replies were delivered.
  it.each([5, 27])(
    'webhook: 40 updates answered 200, SIGKILL after %i replies, restart: 40 rows and 40 replies',
    async (repliesBeforeKill) => {
      const db = await createTestDatabase();
      const chat = 70_000 + repliesBeforeKill;
      const port = await freePort();
      const env = appEnv(api, db, {
        BOT_MODE: 'webhook',
        WEBHOOK_URL: `https://bot.example.com/hook`,
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
      });
      try {
        const first = spawnApp(env);
        try {
          await api.waitFor(() => api.webhook !== null, 30_000, 'setWebhook');
          api.latencyMs = 100; // one chat's replies go one after another: ~4 s for all 40
          const updates = Array.from({ length: 40 }, (_, i) => textMessage(chat, `hook ${i}`));
          const statuses = await api.deliverWebhook(updates, [`http://127.0.0.1:${port}`], {
            concurrency: 8,
            maxAttempts: 1,
          });
          expect(statuses.filter((s) => s === 200)).toHaveLength(40);
          await api.waitFor(
            () => api.repliesTo(chat).length >= repliesBeforeKill,
            30_000,
            `${repliesBeforeKill} replies`,
          );
        } finally {
          await kill(first);
        }
        const delivered = api.repliesTo(chat).length;
        expect(delivered).toBeLessThan(40);

        api.webhook = null;
        const second = spawnApp(env);
        let inDoubt: number;
        try {
          // The journal is replayed before the server listens: the count is final by then.
          await listening(port);
          inDoubt = await effectsInDoubt(port);
          // One chat's replies go one at a time: at most one was on its way at the kill.
          expect(inDoubt).toBeLessThanOrEqual(1);
          await api.waitFor(
            () => api.repliesTo(chat).length >= 40 - inDoubt,
            30_000,
            'the other replies',
          );
          // SIGTERM drains: what it had left goes to the database.
          second.child.kill('SIGTERM');
          await expect(second.exited).resolves.toBe(0);
        } finally {
          await kill(second);
        }
        // The reply on its way at the kill is never sent again, as it may have reached the chat.
        expect(api.repliesTo(chat).length).toBeGreaterThanOrEqual(40 - inDoubt);
        expect(api.repliesTo(chat).length).toBeLessThanOrEqual(40);
        api.latencyMs = 0;
        const t = await startBotApp({}, { api, db });
        try {
          const rows = await t.query('SELECT count(*)::int AS n FROM messages WHERE chat_id = $1', [
            chat,
          ]);
          expect(rows[0].n).toBe(40);
        } finally {
          await t.close();
        }
      } finally {
        await db.drop();
      }
    },
  );

  it('polling: SIGKILL during a burst of 400 users, restart: every message stored once, nobody answered twice', async () => {
    const db = await createTestDatabase();
    const firstUser = 80_000;
    const users = Array.from({ length: 400 }, (_, i) => firstUser + i);
    try {
      const first = spawnApp(appEnv(api, db));
      try {
        await api.waitFor(() => api.polls.length > 0, 30_000, 'first poll');
        api.latencyMs = 20;
        for (const id of users) api.push(textMessage(id, `burst ${id}`));
        await api.waitFor(() => api.callsOf('sendMessage').length >= 100, 30_000, '100 replies');
      } finally {
        await kill(first);
      }
      expect(api.callsOf('sendMessage').length).toBeLessThan(400);

      const t = await startBotApp({ BATCH_FLUSH_INTERVAL_MS: '50' }, { api, db });
      try {
        const answered = () => new Set(api.callsOf('sendMessage').map((c) => c.payload.chat_id));
        // A reply on its way at the kill is never sent again, as it may have reached the chat:
        // only those can be missing, and the restart counts them.
        const inDoubt = (await t.app.get(BotMetrics).effectsInDoubt.get()).values[0]?.value ?? 0;
        await api.waitFor(
          () => answered().size >= users.length - inDoubt,
          30_000,
          'every user answered',
        );

        const perChat = new Map<number, number>();
        for (const call of api.callsOf('sendMessage'))
          perChat.set(call.payload.chat_id, (perChat.get(call.payload.chat_id) ?? 0) + 1);
        expect([...perChat.values()].filter((n) => n > 1)).toEqual([]);

        const stored = async () =>
          (
            await t.query<{ n: number; counted: number }>(
              `SELECT count(*)::int AS n, (SELECT sum(message_count)::int FROM users WHERE id >= $1) AS counted
               FROM messages WHERE user_id >= $1`,
              [firstUser],
            )
          )[0];
        for (let i = 0; i < 100 && (await stored()).n < users.length; i++)
          await new Promise((r) => setTimeout(r, 100));
        await expect(stored()).resolves.toEqual({ n: users.length, counted: users.length });
      } finally {
        await t.close();
      }
    } finally {
      await db.drop();
    }
  });
});
