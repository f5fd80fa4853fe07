import { texts, translations } from './support/texts';
import request from 'supertest';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { BotApiGate } from './support/bot-api-gate';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';

describe('a bot whose getMe fails at boot', () => {
  let api: FakeBotApi;
  let gate: BotApiGate;
  let t: BotTestContext;

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    gate = new BotApiGate(api.apiRoot);
    await gate.start();
    gate.failing.add('getMe');
    // A long per-update deadline: the first update waits for getMe, and that wait is not a failure.
    t = await startBotApp({ TELEGRAM_API_ROOT: gate.apiRoot, UPDATE_TIMEOUT_MS: '60000' }, { api });
  });
  afterAll(async () => {
    await t?.close();
    await gate.stop();
    await api.stop();
  });

  it('is not ready and holds updates back (no apology) while Telegram cannot say who the bot is', async () => {
    // Failed at boot and retried in the background since.
    await gate.failed('getMe', 2);
    api.push(textMessage(61_001, 'hello while getMe fails'));
    await api.waitFor(() => api.unconfirmed === 0, 10_000, 'the update taken');
    await gate.failed('getMe', (gate.failures.get('getMe') ?? 0) + 1);

    const ready = await request(t.app.getHttpServer()).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.bot).toMatchObject({ status: 'down', identified: false });
    expect(api.repliesTo(61_001)).toEqual([]);
  });

  it('answers the waiting update and later ones normally once getMe succeeds, and becomes ready', async () => {
    gate.failing.delete('getMe');

    await api.waitFor(() => api.repliesTo(61_001).length === 1, 30_000, 'the held reply');
    api.push(textMessage(61_001, 'hello again'));
    await api.waitFor(() => api.repliesTo(61_001).length === 2, 10_000, 'the next reply');

    expect(api.repliesTo(61_001)).toEqual([texts.saved, texts.saved]);
    expect(api.callsOf('sendMessage').map((c) => c.payload.text)).not.toContain(
      translations.t('en', 'failure'),
    );
    const ready = await request(t.app.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.details.bot).toMatchObject({ status: 'up', identified: true });
  });
});
