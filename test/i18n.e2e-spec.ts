import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { callbackQuery, textMessage, user, type TgUpdate } from './fake-bot-api/updates';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';
import { createTestDatabase } from './support/test-database';
import { MENU_LANGUAGE, translations } from './support/texts';

const ru = (id: number, text: string) =>
  textMessage(id, text, { from: user(id, { language_code: 'ru' }) });
const tapAs = (id: number, languageCode: string, data: string, messageId = 1) => {
  const update = callbackQuery(id, data, messageId) as TgUpdate;
  update.callback_query!.from.language_code = languageCode;
  return update;
};

describe('two languages', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp();
  });
  afterAll(() => t.close());

  const userRow = async (id: number) =>
    (await t.query('SELECT * FROM users WHERE id = $1', [id]))[0];
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const answersTo = (callbackId: string) =>
    t.api
      .callsOf('answerCallbackQuery')
      .filter((c) => c.payload.callback_query_id === callbackId)
      .map((c) => c.payload.text ?? null);

  it('answers /help in Russian for language_code ru or ru-RU, in English for a language it lacks', async () => {
    t.api.push(
      ru(3001, '/help'),
      textMessage(3002, '/help', { from: user(3002, { language_code: 'ru-RU' }) }),
      textMessage(3003, '/help', { from: user(3003, { language_code: 'pt-br' }) }),
      textMessage(3004, '/help', { from: user(3004, { language_code: undefined }) }),
    );
    await t.api.waitFor(
      () => [3001, 3002, 3003, 3004].every((id) => t.api.repliesTo(id).length === 1),
      10_000,
      'four help replies',
    );
    expect(t.api.repliesTo(3001)[0]).toMatch(/^Команды:\n\/start - /);
    expect(t.api.repliesTo(3002)).toEqual(t.api.repliesTo(3001));
    expect(t.api.repliesTo(3003)[0]).toMatch(/^Commands:\n\/start - /);
    expect(t.api.repliesTo(3004)).toEqual(t.api.repliesTo(3003));
  });

  it("shows the /start menu in the user's language, with a language picker", async () => {
    t.api.push(ru(3010, '/start'));
    await t.api.waitFor(() => t.api.repliesTo(3010).length === 1, 10_000, 'welcome');
    const welcome = t.api.callsOf('sendMessage').find((c) => c.payload.chat_id === 3010)!;
    expect(welcome.payload.text).toMatch(/^Добро пожаловать, User3010!/);
    const buttons = welcome.payload.reply_markup.inline_keyboard.flat();
    expect(buttons.map((b: any) => b.text)).toEqual(['Профиль', 'Помощь', 'Язык']);
    expect(buttons[2].callback_data).toBe(MENU_LANGUAGE);

    const tap = tapAs(3010, 'ru', MENU_LANGUAGE, 41);
    t.api.push(tap);
    await t.api.waitFor(
      () => t.api.callsOf('editMessageText').some((c) => c.payload.chat_id === 3010),
      10_000,
      'picker',
    );
    const picker = t.api.callsOf('editMessageText').find((c) => c.payload.chat_id === 3010)!;
    expect(picker.payload).toMatchObject({ message_id: 41, text: 'Выберите язык:' });
    expect(picker.payload.reply_markup.inline_keyboard.flat().map((b: any) => b.text)).toEqual([
      'English',
      '✓ Русский',
    ]);
    expect(answersTo(tap.callback_query!.id)).toEqual([null]);
  });

  it('stores the choice, which then wins over language_code, and keeps it through batched writes', async () => {
    t.api.push(ru(3020, '/start'), ru(3020, 'hello'));
    await t.api.waitFor(() => t.api.repliesTo(3020).length === 2, 10_000, 'two replies');
    expect(t.api.repliesTo(3020)[1]).toBe('Сохранено.');

    const english = tapAs(3020, 'ru', 'lang:1:en', 42);
    t.api.push(english);
    await t.api.waitFor(() => answersTo(english.callback_query!.id).length === 1, 10_000, 'answer');
    await t.api.waitFor(
      () =>
        t.api.callsOf('editMessageText').some((c) => c.payload.text === 'Language set to English.'),
      10_000,
      'confirmation',
    );
    const confirmation = t.api
      .callsOf('editMessageText')
      .find((c) => c.payload.chat_id === 3020 && c.payload.text === 'Language set to English.')!;
    expect(confirmation.payload.reply_markup.inline_keyboard[0].map((b: any) => b.text)).toEqual([
      'Profile',
      'Help',
    ]);
    await expect(userRow(3020)).resolves.toMatchObject({ preferred_language: 'en' });

    t.api.push(ru(3020, 'more'), ru(3020, '/help'));
    await t.api.waitFor(() => t.api.repliesTo(3020).length === 4, 10_000, 'English replies');
    expect(t.api.repliesTo(3020).slice(2)).toEqual([
      translations.t('en', 'saved'),
      translations.t('en', 'help'),
    ]);
    await until(async () => (await userRow(3020))?.message_count === 4, 'four messages counted');
    await expect(userRow(3020)).resolves.toMatchObject({
      preferred_language: 'en',
      language_code: 'ru',
      first_name: 'User3020',
    });
  });

  it('stores a choice made before the user has a row, and the batched upsert keeps it', async () => {
    const tap = tapAs(3030, 'en', 'lang:1:ru', 43);
    t.api.push(tap);
    await t.api.waitFor(() => answersTo(tap.callback_query!.id).length === 1, 10_000, 'answer');
    await until(async () => (await userRow(3030)) !== undefined, 'row');
    await expect(userRow(3030)).resolves.toMatchObject({
      preferred_language: 'ru',
      message_count: 0,
    });

    t.api.push(textMessage(3030, 'привет'), textMessage(3030, '/help'));
    await t.api.waitFor(() => t.api.repliesTo(3030).length === 2, 10_000, 'replies');
    expect(t.api.repliesTo(3030)).toEqual([
      translations.t('ru', 'saved'),
      translations.t('ru', 'help'),
    ]);
    await until(async () => (await userRow(3030))?.message_count === 2, 'two messages counted');
    await expect(userRow(3030)).resolves.toMatchObject({
      preferred_language: 'ru',
      first_name: 'User3030',
      username: 'user3030',
      language_code: 'en',
    });
  });

  it('answers stale, foreign and malformed buttons with a translated "expired" toast', async () => {
    const taps = ['menu:profile', 'menu:1:nope', 'menu:2:help', 'lang:1:xx', 'lang:1', 'x'].map(
      (data) => tapAs(3040, 'ru', data),
    );
    t.api.push(...taps);
    await t.api.waitFor(
      () => taps.every((tap) => answersTo(tap.callback_query!.id).length === 1),
      10_000,
      'answers',
    );
    for (const tap of taps) {
      expect(answersTo(tap.callback_query!.id)).toEqual([translations.t('ru', 'button-expired')]);
    }
    await expect(userRow(3040)).resolves.toBeUndefined();
  });
});

describe('a stored language choice', () => {
  it('outlives a restart (read from the database, not the cache)', async () => {
    const api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    const db = await createTestDatabase();
    try {
      let t = await startBotApp({}, { api, db });
      const tap = tapAs(3050, 'en', 'lang:1:ru');
      api.push(tap);
      await api.waitFor(
        () =>
          api
            .callsOf('answerCallbackQuery')
            .some((c) => c.payload.callback_query_id === tap.callback_query!.id),
        10_000,
        'answer',
      );
      await t.close();

      t = await startBotApp({}, { api, db });
      api.push(textMessage(3050, '/help'), textMessage(3051, '/help'));
      await api.waitFor(
        () => api.repliesTo(3050).length === 1 && api.repliesTo(3051).length === 1,
        10_000,
        'help',
      );
      expect(api.repliesTo(3050)).toEqual([translations.t('ru', 'help')]);
      expect(api.repliesTo(3051)).toEqual([translations.t('en', 'help')]);
      await t.close();
    } finally {
      await api.stop();
      await db.drop();
    }
  });
});
