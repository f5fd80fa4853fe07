import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';

/**
 * Telegram picks the next update_id at random after a week without updates, so an id may come
 * again for a new message: it is processed, whatever was stored under that id before.
 */
describe.each([
  ['with the intake journal', {}],
  ['without the intake journal', { BATCH_JOURNAL: 'false' }],
])('an update_id reused after a week of silence (%s)', (_, env: Record<string, string>) => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp(env);
  });
  afterAll(() => t.close());

  it('is stored and answered like any new update', async () => {
    const reusedId = 424_242;
    const oldChat = 91_000;
    const newUser = 91_001;
    await t.query(
      `INSERT INTO messages (update_id, chat_id, user_id, message_id, text, created_at)
       VALUES ($1, $2, $2, 1, 'a week ago', now() - interval '8 days')`,
      [reusedId, oldChat],
    );
    t.api.push({ update_id: reusedId, ...textMessage(newUser, 'hello again') });
    await t.api.waitFor(() => t.api.repliesTo(newUser).length === 1, 15_000, 'the reply');
    const stored = async () =>
      (
        await t.query<{ chat_id: string; text: string }>(
          'SELECT chat_id, text FROM messages WHERE update_id = $1 ORDER BY id',
          [reusedId],
        )
      ).map((r) => [Number(r.chat_id), r.text]);
    for (let i = 0; i < 100 && (await stored()).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    await expect(stored()).resolves.toEqual([
      [oldChat, 'a week ago'],
      [newUser, 'hello again'],
    ]);
  });
});
