import { CAMPAIGN_BATCH_SIZE } from '../src/broadcasts/campaign.run';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { freePort } from './support/free-port';
import {
  createTestDatabase,
  queryDatabase,
  replicaOf,
  type TestDatabase,
} from './support/test-database';

jest.setTimeout(180_000);

// Two replicas share one PostgreSQL server; PGlite is single-process.
const describeShared = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const ADMIN = 930_000;
const USERS = Array.from({ length: 300 }, (_, i) => 330_001 + i);

describeShared('a broadcast campaign taken over by another replica', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  const homes: TestDatabase[] = [];
  const replicas: AppProcess[] = [];

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const replica of replicas) {
      replica.child.kill('SIGKILL');
      await replica.exited;
    }
    await api.stop();
    await db.drop();
    for (const home of homes) await home.drop();
  });

  async function startReplica(): Promise<string> {
    const home = replicaOf(db);
    homes.push(home);
    const port = await freePort();
    replicas.push(
      spawnApp({
        ...home.env,
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        ADMIN_USER_ID: String(ADMIN),
        BOT_MODE: 'webhook',
        WEBHOOK_URL: 'https://bot.example.com/hook',
        WEBHOOK_SECRET: 'takeover-secret-0123456789abcdefghijklmnop',
        HOST: '127.0.0.1',
        PORT: String(port),
        RATE_LIMIT: '1000',
        OUTBOUND_CHAT_PER_SECOND: '1000',
        OUTBOUND_GLOBAL_PER_SECOND: '60',
        LOG_LEVEL: 'warn',
      }),
    );
    return `http://127.0.0.1:${port}`;
  }

  const broadcasts = () =>
    api.callsOf('sendMessage').filter((c) => c.payload.text === 'replica news');

  it('finishes on the surviving replica: nobody twice, status at 100 %', async () => {
    const first = await startReplica();
    await startReplica();
    await api.waitFor(() => api.callsOf('setWebhook').length >= 2, 30_000, 'two replicas up');
    await queryDatabase(
      db.url!,
      `INSERT INTO users (id, first_seen_at, last_seen_at, message_count)
       SELECT id, now(), now(), 0 FROM unnest($1::bigint[]) AS id`,
      [[ADMIN, ...USERS]],
    );

    await api.deliverWebhook([textMessage(ADMIN, '/broadcast replica news')], [first]);
    await api.waitFor(() => broadcasts().length >= 100, 30_000, '100 sends');
    replicas[0].child.kill('SIGKILL');
    await replicas[0].exited;

    const edits = () =>
      api.callsOf('editMessageText').filter((c) => Number(c.payload.chat_id) === ADMIN);
    const last = () => String(edits()[edits().length - 1]?.payload.text ?? '');
    await api.waitFor(() => last().startsWith('Broadcast finished'), 90_000, 'status at 100 %');

    const perChat = new Map<number, number>();
    for (const call of broadcasts()) {
      const chat = Number(call.payload.chat_id);
      perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
    }
    expect([...perChat].filter(([, n]) => n > 1)).toEqual([]);
    const [sent, blocked, failed, inDoubt] = (last().split('\n')[2].match(/\d+/g) ?? []).map(
      Number,
    );
    expect([blocked, failed]).toEqual([0, 0]);
    expect(inDoubt).toBeLessThanOrEqual(CAMPAIGN_BATCH_SIZE);
    expect(sent + inDoubt).toBe(USERS.length + 1);
    expect(perChat.size).toBeGreaterThanOrEqual(sent);
  });
});
