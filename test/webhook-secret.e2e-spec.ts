import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { WRONG_SECRET_BURST } from '../src/bot/intake/webhook-secret.limiter';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';
import { createTestDatabase, replicaOf, type TestDatabase } from './support/test-database';

const WEBHOOK_ENV = { BOT_MODE: 'webhook', WEBHOOK_URL: 'https://bot.example.com/hook' };
const baseUrl = (t: BotTestContext) =>
  `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;

describe('webhook secret without WEBHOOK_SECRET', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  let replicas: BotTestContext[] = [];

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
    replicas = [
      await startBotApp(WEBHOOK_ENV, { api, db: replicaOf(db) }),
      await startBotApp(WEBHOOK_ENV, { api, db: replicaOf(db) }),
    ];
    await api.waitFor(() => api.callsOf('setWebhook').length === 2, 10_000, 'two registrations');
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await api.stop();
    await db.drop();
  });

  it('registers a strong secret derived from the token, the same on every replica', () => {
    const [a, b] = api.callsOf('setWebhook').map((c) => c.payload.secret_token as string);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(a).not.toContain(TEST_TOKEN.split(':')[1]);
  });

  it('accepts updates carrying it on either replica and refuses others', async () => {
    const statuses = await api.deliverWebhook(
      [textMessage(81_001, 'one'), textMessage(81_002, 'two')],
      replicas.map(baseUrl),
    );
    expect(statuses).toEqual([200, 200]);
    await expect(
      api.deliverWebhook([textMessage(81_003, 'forged')], [baseUrl(replicas[0])], {
        secret: 'f'.repeat(64),
        maxAttempts: 1,
      }),
    ).resolves.toEqual([403]);
  });
});

describe('wrong webhook secrets from one address', () => {
  const SECRET = 'S'.repeat(40);
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp({ ...WEBHOOK_ENV, WEBHOOK_SECRET: SECRET });
    await t.api.waitFor(() => t.api.webhook !== null, 10_000, 'setWebhook');
  });
  afterAll(() => t.close());

  const post = (secret: string, userId: number) =>
    fetch(`${baseUrl(t)}/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify({ update_id: userId, ...textMessage(userId, 'guess') }),
    });

  it('are answered 429 with Retry-After after a burst, even once the right one is sent', async () => {
    for (let i = 0; i < WRONG_SECRET_BURST; i++) {
      await expect(post(`guess-${i}`, 82_000 + i).then((r) => r.status)).resolves.toBe(403);
    }

    const guess = await post('another-guess', 82_100);
    const right = await post(SECRET, 82_101);

    expect(guess.status).toBe(429);
    expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(right.status).toBe(429);
    const metrics = (await request(t.app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(
      new RegExp(
        `^telegram_bot_webhook_rejected_total\\{reason="wrong"\\} ${WRONG_SECRET_BURST}$`,
        'm',
      ),
    );
    expect(metrics).toMatch(/^telegram_bot_webhook_rejected_total\{reason="throttled"\} 2$/m);
    expect(t.api.callsOf('sendMessage')).toEqual([]);
  });
});
