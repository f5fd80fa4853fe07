import type { AddressInfo } from 'node:net';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { whenSettled } from './support/settled';

const SECRET = 'webhook-secret_0123456789abcdefghijklmnop';
const WEBHOOK_ENV = {
  BOT_MODE: 'webhook',
  WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_MAX_CONNECTIONS: '20',
};

const baseUrl = (t: BotTestContext) =>
  `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;

describe('webhook mode', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp(WEBHOOK_ENV);
    await t.api.waitFor(() => t.api.webhook !== null, 10_000, 'setWebhook');
  });
  afterAll(() => t.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl(t)}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const messageCount = async () =>
    (await t.query('SELECT count(*)::int AS n FROM messages'))[0].n as number;

  it('registers the webhook with the secret, allowed updates and max connections, keeping pending updates', () => {
    const call = t.api.callsOf('setWebhook')[0];
    expect(call.payload).toMatchObject({
      url: WEBHOOK_ENV.WEBHOOK_URL,
      secret_token: SECRET,
      allowed_updates: ['message', 'callback_query', 'my_chat_member'],
      max_connections: 20,
      drop_pending_updates: false,
    });
    expect(t.api.callsOf('getUpdates')).toHaveLength(0);
  });

  it('refuses requests without or with a wrong secret, storing and answering nothing', async () => {
    const update = JSON.stringify({ update_id: 1, ...textMessage(3001, 'sneaky') });
    await expect(post(update).then((r) => r.status)).resolves.toBe(401);
    await expect(
      post(update, { 'x-telegram-bot-api-secret-token': 'wrong' }).then((r) => r.status),
    ).resolves.toBe(403);
    await whenSettled(t.app);
    expect(t.api.repliesTo(3001)).toEqual([]);
    await expect(messageCount()).resolves.toBe(0);
  });

  it('answers 413 to an oversized body and 400 to malformed JSON', async () => {
    const headers = { 'x-telegram-bot-api-secret-token': SECRET };
    await expect(
      post(JSON.stringify({ update_id: 2, junk: 'x'.repeat(300_000) }), headers).then(
        (r) => r.status,
      ),
    ).resolves.toBe(413);
    await expect(post('{"update_id": 3,', headers).then((r) => r.status)).resolves.toBe(400);
    await expect(post('{"no_update_id": true}', headers).then((r) => r.status)).resolves.toBe(400);
  });

  it('answers and stores 50 updates once each, and a re-sent update once', async () => {
    const updates = Array.from({ length: 50 }, (_, i) => ({
      update_id: 10_000 + i,
      ...textMessage(3100 + i, `hook ${i}`),
    }));
    const statuses = await t.api.deliverWebhook(updates, [baseUrl(t)]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    await t.api.deliverWebhook([updates[0]], [baseUrl(t)]);
    await t.api.waitFor(() => t.api.callsOf('sendMessage').length >= 50, 10_000, '50 replies');
    for (let i = 0; i < 100 && (await messageCount()) < 50; i++)
      await new Promise((r) => setTimeout(r, 50));
    await whenSettled(t.app);
    expect(t.api.callsOf('sendMessage')).toHaveLength(50);
    await expect(messageCount()).resolves.toBe(50);
  });
});
