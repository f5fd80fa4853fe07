import { texts } from './support/texts';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';

/**
 * With BATCH_JOURNAL=false an update may be confirmed only once its rows are in PostgreSQL, so
 * intake waits for them: they must be written when someone waits, not at the next interval.
 */
describe('polling without the journal (e2e)', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    // An interval no test outlives: anything written here was written on demand.
    t = await startBotApp({ BATCH_JOURNAL: 'false', BATCH_FLUSH_INTERVAL_MS: '600000' });
  });
  afterAll(() => t.close());

  it('stores and confirms each update soon after its reply, without waiting for the flush interval', async () => {
    const chats = [3001, 3002, 3003, 3004, 3005];
    for (const chat of chats) {
      t.api.push(textMessage(chat, `hello from ${chat}`));
      await t.api.waitFor(() => t.api.repliesTo(chat).length === 1, 10_000, `reply to ${chat}`);
    }
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'every update confirmed');

    const rows = await t.query<{ chat_id: string | number; text: string }>(
      'SELECT chat_id, text FROM messages ORDER BY update_id',
    );
    expect(rows.map((r) => [Number(r.chat_id), r.text])).toEqual(
      chats.map((chat) => [chat, `hello from ${chat}`]),
    );
    expect(chats.map((chat) => t.api.repliesTo(chat))).toEqual(chats.map(() => [texts.saved]));
  });
});
