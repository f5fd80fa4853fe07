import { callbackQuery, textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { MENU_PROFILE } from './support/texts';

/** A button tap is answered while its chat is still busy; its handler runs after, in order. */
describe('callback fast lane', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp();
  });
  afterAll(() => t.close());

  it('answers a tap at once while its chat waits for a slow reply, and only once', async () => {
    const userId = 5_001;
    t.api.chatLatencyMs.set(userId, 3_000); // every call to this chat takes 3 s
    t.api.push(textMessage(userId, 'slow to answer'));
    const tap = callbackQuery(userId, MENU_PROFILE, 9);
    t.api.push(tap);
    const answers = () =>
      t.api
        .callsOf('answerCallbackQuery')
        .filter((c) => c.payload.callback_query_id === (tap.callback_query as { id: string }).id);

    await t.api.waitFor(() => answers().length === 1, 10_000, 'the tap answered');
    // The chat is still busy: the reply to the message has not gone out yet.
    expect(t.api.repliesTo(userId)).toEqual([]);

    await t.api.waitFor(
      () => t.api.callsOf('editMessageText').some((c) => c.payload.chat_id === userId),
      15_000,
      'the tap handled after the message',
    );
    expect(t.api.repliesTo(userId)).toEqual(['Saved.']);
    expect(answers()).toHaveLength(1);
  });
});
