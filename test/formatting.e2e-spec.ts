import { callbackQuery, textMessage, user, type TgUpdate } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { render } from './support/telegram-text';
import { MENU_PROFILE } from './support/texts';

/** Everything Telegram's HTML and Markdown modes would read as markup, and a surrogate pair. */
const NAME = '<b>Bob</b> & <i>_*[x](tg://user?id=1)-~`|#+=.!{}\\</i> 👩‍👩‍👧 &amp; &lt;';
const USERNAME = 'bob_<>&*[]-';

describe('replies with user data', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp();
  });
  afterAll(() => t.close());

  const from = (id: number) => user(id, { first_name: NAME, username: USERNAME });
  const lastTo = (method: string, chatId: number) =>
    t.api
      .callsOf(method)
      .filter((c) => Number(c.payload.chat_id) === chatId)
      .at(-1)!.payload;

  it('welcomes a user by a name full of markup, shown literally and bold', async () => {
    t.api.push(textMessage(4001, '/start', { from: from(4001) }));
    await t.api.waitFor(() => t.api.repliesTo(4001).length === 1, 10_000, 'welcome');
    const shown = render(lastTo('sendMessage', 4001));
    expect(shown.text.startsWith(`Welcome, ${NAME}! `)).toBe(true);
    expect(shown.entities).toEqual([{ type: 'bold', text: NAME }]);
  });

  it('shows such a name and username literally in /me and in the menu profile', async () => {
    t.api.push(textMessage(4002, '/start', { from: from(4002) }));
    await t.api.waitFor(() => t.api.repliesTo(4002).length === 1, 10_000, 'welcome');
    t.api.push(textMessage(4002, '/me', { from: from(4002) }));
    await t.api.waitFor(() => t.api.repliesTo(4002).length === 2, 10_000, 'profile');
    const profile = render(lastTo('sendMessage', 4002));
    expect(profile.text.split('\n')[0]).toBe(`Profile of ${NAME} (@${USERNAME})`);
    expect(profile.text).toContain('Messages: 2');
    expect(profile.entities).toEqual([{ type: 'bold', text: NAME }]);

    const tap = callbackQuery(4002, MENU_PROFILE, 9) as TgUpdate;
    tap.callback_query!.from = from(4002);
    t.api.push(tap);
    await t.api.waitFor(
      () => t.api.callsOf('editMessageText').some((c) => c.payload.chat_id === 4002),
      10_000,
      'menu profile',
    );
    const edited = render(lastTo('editMessageText', 4002));
    expect(edited.text.split('\n')[0]).toBe(`Profile of ${NAME} (@${USERNAME})`);
    expect(edited.entities).toEqual([{ type: 'bold', text: NAME }]);
  });
});
