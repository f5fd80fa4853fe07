import { Logger } from '@nestjs/common';
import { bold } from 'telegraf/format';
import { resolveLanguage } from './i18n.languages';
import { Translations } from './translations';

describe('Translations', () => {
  const translations = new Translations();

  it('formats numbers and plurals for the language', () => {
    expect(translations.t('en', 'broadcast-recipients', { count: 1 })).toBe('To 1 user.');
    expect(translations.t('en', 'broadcast-recipients', { count: 1500 })).toBe('To 1,500 users.');
    expect(translations.t('ru', 'broadcast-recipients', { count: 21 })).toBe(
      'Для 21 пользователя.',
    );
    expect(translations.t('ru', 'broadcast-recipients', { count: 5 })).toBe('Для 5 пользователей.');
  });

  it('builds text + entities around variables, user data kept literal', () => {
    const name = '<b>&amp;_*[x](y)-👩‍👩‍👧 \uE0000\uE001';
    const message = translations.fmt('en', 'welcome', { name: bold(name) });
    expect(message.text.startsWith(`Welcome, ${name}! I keep`)).toBe(true);
    expect(message.entities).toEqual([
      { type: 'bold', offset: 'Welcome, '.length, length: name.length },
    ]);
  });

  it('answers the id (and reports once) for a message a catalogue lacks', () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const broken = new Translations({ en: 'saved = Saved.', ru: 'saved = Сохранено.' });
    expect(broken.t('ru', 'help')).toBe('help');
    expect(broken.t('ru', 'help')).toBe('help');
    expect(errors.mock.calls).toEqual([['message help (ru): missing']]);
    errors.mockRestore();
  });

  it('refuses a catalogue that defines a message twice', () => {
    expect(() => new Translations({ en: 'a = 1\na = 2', ru: '' })).toThrow(/catalogue en/);
  });
});

describe('resolveLanguage', () => {
  it.each([
    ['ru', 'en', 'ru'],
    ['en', 'ru', 'en'],
    [null, 'ru', 'ru'],
    [null, 'ru-RU', 'ru'],
    [null, 'en-GB', 'en'],
    [null, 'pt-br', 'en'],
    [null, undefined, 'en'],
    ['klingon', 'ru', 'ru'],
  ])('choice %s, language_code %s: %s', (preferred, code, expected) => {
    expect(resolveLanguage(preferred, code)).toBe(expected);
  });
});
