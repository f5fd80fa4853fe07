import { texts } from './support/texts';
import type { AddressInfo } from 'node:net';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const baseUrl = (t: BotTestContext) =>
  `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;

describe('two bots sharing one Redis', () => {
  const bots: BotTestContext[] = [];
  // Fresh ids every run: Redis keeps update claims for a day.
  const base = 20_000_000 + Math.floor(Math.random() * 1_000_000_000);

  beforeAll(async () => {
    for (const token of [
      '700001:BOT-one-abcdefghijklmnopqrstuvwx',
      '700002:BOT-two-abcdefghijklmnopqrstuvwx',
    ]) {
      const api = new FakeBotApi(token);
      await api.start();
      const bot = await startBotApp(
        {
          TELEGRAM_BOT_TOKEN: token,
          BOT_MODE: 'webhook',
          WEBHOOK_URL: 'https://bot.example.com/hook',
          REDIS_URL,
          RATE_LIMIT: '3',
        },
        { api },
      );
      await api.waitFor(() => api.webhook !== null, 10_000, 'setWebhook');
      bots.push(bot);
    }
  });
  afterAll(async () => {
    for (const bot of bots) {
      await bot.close();
      await bot.api.stop();
    }
  });

  it('each answers its own updates, even when Telegram gives both the same update ids', async () => {
    const updates = Array.from({ length: 5 }, (_, i) => ({
      update_id: base + i,
      ...textMessage(91_000 + i, `hello ${i}`),
    }));

    for (const bot of bots) {
      await expect(bot.api.deliverWebhook(updates, [baseUrl(bot)])).resolves.toEqual(
        Array(5).fill(200),
      );
    }
    for (const bot of bots) {
      await bot.api.waitFor(() => bot.api.callsOf('sendMessage').length === 5, 10_000, 'replies');
    }

    for (const bot of bots) {
      expect(updates.map((_, i) => bot.api.repliesTo(91_000 + i))).toEqual(
        Array(5).fill([texts.saved]),
      );
    }
  });

  it('keeps separate rate-limit counters for one user of both bots', async () => {
    const userId = base % 1_000_000_000;
    for (const [i, bot] of bots.entries()) {
      const updates = Array.from({ length: 3 }, (_, k) => ({
        update_id: base + 100 + i * 10 + k,
        ...textMessage(userId, `msg ${k}`),
      }));
      await bot.api.deliverWebhook(updates, [baseUrl(bot)]);
      await bot.api.waitFor(() => bot.api.repliesTo(userId).length === 3, 10_000, 'three acks');
    }

    for (const bot of bots) expect(bot.api.repliesTo(userId)).toEqual(Array(3).fill(texts.saved));
  });
});
