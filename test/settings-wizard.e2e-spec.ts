import { startBotApp, type BotTestContext } from './support/bot-app';
import { buttons, CANCEL, chatAs, PICK_EN, PICK_RU } from './support/settings-wizard';
import { storedSessionBecomes } from './support/settings-wizard';
import { render } from './support/telegram-text';

describe('/settings wizard', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp();
  });
  afterAll(() => t.close());

  /** The user's stored choices (none while their row is still in the write buffer). */
  const preferences = async (id: number) =>
    (
      await t.query('SELECT preferred_language, display_name FROM users WHERE id = $1', [id])
    )[0] ?? { preferred_language: null, display_name: null };

  it('in English: switches to Russian, stores the name, and /me shows it (in Russian)', async () => {
    const chat = chatAs(t.api, 5001, 'en');
    const step1 = await chat.say('/settings');
    expect(step1.text).toBe('Settings, step 1 of 2: choose your language.');
    expect(buttons(step1)).toEqual([['✓ English', 'Русский'], ['Cancel']]);
    // Half-way, the wizard's step is in the stored session.
    await storedSessionBecomes(
      t.query,
      '5001:5001',
      (data) => data?.__scenes?.current === 'settings' && data.__scenes.cursor === 1,
    );

    const step2 = await chat.tap(PICK_RU);
    expect(step2.text).toBe(
      'Шаг 2 из 2: отправьте имя, которым мне вас называть (до 64 символов).',
    );
    expect(buttons(step2)).toEqual([['Отмена']]);

    const saved = await chat.say('  Ann <b>&_*  ');
    expect(render(saved)).toEqual({
      text: 'Сохранено. Буду называть вас Ann <b>&_*.',
      entities: [{ type: 'bold', text: 'Ann <b>&_*' }],
    });
    await expect(preferences(5001)).resolves.toEqual({
      preferred_language: 'ru',
      display_name: 'Ann <b>&_*',
    });
    await storedSessionBecomes(t.query, '5001:5001', null);

    expect(render(await chat.say('/me')).text).toMatch(/^Профиль: Ann <b>&_\* \(@user5001\)\n/);
    expect(await chat.say('/help').then((p) => p.text)).toMatch(/^Команды:/);
  });

  it('in Russian: switches to English, and /me shows the name in English', async () => {
    const chat = chatAs(t.api, 5002, 'ru');
    expect((await chat.say('/settings')).text).toBe('Настройки, шаг 1 из 2: выберите язык.');
    expect((await chat.tap(PICK_EN)).text).toBe(
      'Step 2 of 2: send the name I should call you (up to 64 characters).',
    );
    expect((await chat.say('Борис')).text).toBe('Saved. I will call you Борис.');
    expect((await chat.say('/me')).text).toMatch(/^Profile of Борис \(@user5002\)\n/);
    await expect(preferences(5002)).resolves.toEqual({
      preferred_language: 'en',
      display_name: 'Борис',
    });
  });

  it('asks again for a language typed instead of tapped, and for a name too long or empty', async () => {
    const chat = chatAs(t.api, 5003, 'en');
    await chat.say('/settings');
    const retry = await chat.say('English please');
    expect(retry.text).toBe('Choose a language with the buttons, or send /cancel.');
    expect(buttons(retry)).toEqual([['✓ English', 'Русский'], ['Cancel']]);
    await chat.tap(PICK_EN);
    expect((await chat.say('x'.repeat(65))).text).toBe(
      'That name is longer than 64 characters. Send a shorter one, or /cancel.',
    );
    expect((await chat.say('\u0007\u202e \u200b')).text).toBe(
      'That name is empty. Send another one, or /cancel.',
    );
    expect((await chat.say('Zoë\u202e\u0000 Q')).text).toBe('Saved. I will call you Zoë Q.');
  });

  it('another command half-way leaves the wizard and is answered as usual', async () => {
    const chat = chatAs(t.api, 5006, 'en');
    await chat.say('/settings');
    await chat.tap(PICK_RU);
    expect((await chat.say('/help')).text).toMatch(/^Commands:/);
    await storedSessionBecomes(t.query, '5006:5006', null);
    // Out of the wizard: the next text is a message, not a name, and nothing was saved.
    expect((await chat.say('Ann')).text).toBe('Saved.');
    await expect(preferences(5006)).resolves.toEqual({
      preferred_language: null,
      display_name: null,
    });
  });

  it('/cancel after choosing a language leaves everything as it was', async () => {
    const chat = chatAs(t.api, 5004, 'en');
    await chat.say('/start');
    await chat.say('/settings');
    await chat.tap(PICK_RU);
    expect((await chat.say('/cancel')).text).toBe('Settings unchanged.');
    await expect(preferences(5004)).resolves.toEqual({
      preferred_language: null,
      display_name: null,
    });
    await storedSessionBecomes(t.query, '5004:5004', null);
    // Out of the wizard: a message is stored, not taken as a name; replies stay English.
    expect((await chat.say('Ann')).text).toBe('Saved.');
    expect((await chat.say('/me')).text).toMatch(/^Profile of User5004 /);
  });

  it('the Cancel button at the first step leaves everything as it was', async () => {
    const chat = chatAs(t.api, 5005, 'ru');
    await chat.say('/settings');
    expect((await chat.tap(CANCEL)).text).toBe('Настройки не изменены.');
    await expect(preferences(5005)).resolves.toEqual({
      preferred_language: null,
      display_name: null,
    });
    expect((await chat.say('Ann')).text).toBe('Сохранено.');
  });
});
