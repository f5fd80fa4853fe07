import { texts } from './support/texts';
import { callbackQuery, textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { whenSettled } from './support/settled';

jest.setTimeout(60_000);

const ADMIN = 4242;
const NOTICE = /^Slow down: try again in \d+ s$/;

describe('per-user rate limit (10 per 60 s, in memory)', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp({
      ADMIN_USER_ID: String(ADMIN),
      RATE_LIMIT: '10',
      RATE_LIMIT_WINDOW: '60',
    });
  });
  afterAll(() => t.close());

  const storedRows = async (userId: number) =>
    Number(
      (await t.query('SELECT count(*)::int AS n FROM messages WHERE user_id = $1', [userId]))[0].n,
    );
  // Every update delivered is decided: what it was going to send has been sent.
  const settle = async () => {
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'updates confirmed');
    await whenSettled(t.app);
  };

  it('drops the 11th to 15th message in a minute, notifies once, stores 10, and leaves others alone', async () => {
    for (let i = 1; i <= 15; i++) t.api.push(textMessage(3001, `message ${i}`));
    t.api.push(textMessage(3002, 'hello'), textMessage(3002, 'again'));

    await t.api.waitFor(() => t.api.repliesTo(3001).length === 11, 20_000, '10 acks and a notice');
    await t.api.waitFor(() => t.api.repliesTo(3002).length === 2, 10_000, 'the other user');
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'all updates confirmed');
    await settle();

    const replies = t.api.repliesTo(3001);
    expect(replies.filter((r) => r === texts.saved)).toHaveLength(10);
    expect(replies.filter((r) => NOTICE.test(r))).toHaveLength(1);
    expect(replies).toHaveLength(11);
    expect(t.api.repliesTo(3002)).toEqual([texts.saved, texts.saved]);
    await expect(storedRows(3001)).resolves.toBe(10);
    await expect(storedRows(3002)).resolves.toBe(2);
  });

  it('keeps a limited user silent: no second notice in the same window', async () => {
    t.api.push(textMessage(3001, 'still here?'), textMessage(3001, '/me'));
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'updates confirmed');
    await settle();

    expect(t.api.repliesTo(3001)).toHaveLength(11);
    await expect(storedRows(3001)).resolves.toBe(10);
  });

  it('answers a limited button press with the notice instead of a message', async () => {
    for (let i = 0; i < 10; i++) t.api.push(textMessage(3003, `m${i}`));
    await t.api.waitFor(() => t.api.repliesTo(3003).length === 10, 20_000, '10 acks');
    t.api.push(callbackQuery(3003, 'menu:help'));

    await t.api.waitFor(
      () =>
        t.api
          .callsOf('answerCallbackQuery')
          .some((c) => c.payload.text && NOTICE.test(c.payload.text)),
      10_000,
      'notice',
    );
    await settle();

    expect(t.api.repliesTo(3003)).toHaveLength(10);
    expect(
      t.api.callsOf('editMessageText').filter((c) => Number(c.payload.chat_id) === 3003),
    ).toHaveLength(0);
  });

  it('never limits administrators', async () => {
    for (let i = 0; i < 15; i++) t.api.push(textMessage(ADMIN, `note ${i}`));

    await t.api.waitFor(() => t.api.repliesTo(ADMIN).length === 15, 20_000, '15 acks');
    await settle();

    expect(t.api.repliesTo(ADMIN).every((r) => r === texts.saved)).toBe(true);
  });

  it('reports limited updates, notices and users in /metrics', async () => {
    const { body } = await fetchMetrics(t);

    expect(metric(body, 'telegram_bot_rate_limited_total')).toBe(8);
    expect(metric(body, 'telegram_bot_rate_limit_notices_total')).toBe(2);
    expect(metric(body, 'telegram_bot_rate_limited_users')).toBe(2);
  });
});

async function fetchMetrics(t: BotTestContext): Promise<{ body: string }> {
  const url = await t.app.getUrl();
  const res = await fetch(`${url.replace('[::1]', '127.0.0.1')}/metrics`);
  return { body: await res.text() };
}

function metric(body: string, name: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}
