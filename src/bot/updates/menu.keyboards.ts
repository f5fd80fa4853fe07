import { Markup } from 'telegraf';
import { defineCallbackData } from '../callbacks/callback-data';
import type { Translator } from '../../i18n/i18n.service';
import { LANGUAGES, type Language } from '../../i18n/i18n.languages';

/** The /start menu's buttons: which screen to show. */
export const menuButton = defineCallbackData('menu', 1, ['screen']);

/** The language picker's buttons: which language to store. */
export const languageButton = defineCallbackData('lang', 1, ['code']);

export const mainMenu = (tr: Translator) =>
  Markup.inlineKeyboard([
    [
      menuButton.button(tr.t('menu-profile'), { screen: 'profile' }),
      menuButton.button(tr.t('menu-help'), { screen: 'help' }),
    ],
    [menuButton.button(tr.t('menu-language'), { screen: 'language' })],
  ]);

/** One button per language, each in its own language; the current one ticked. */
export const languagePicker = (current: Language, nameOf: (language: Language) => string) =>
  Markup.inlineKeyboard(
    LANGUAGES.map((language) =>
      languageButton.button(`${language === current ? '✓ ' : ''}${nameOf(language)}`, {
        code: language,
      }),
    ),
  );
