import { Markup } from 'telegraf';
import type { InlineKeyboardButton } from 'telegraf/types';
import type { Language } from '../../i18n/i18n.languages';
import type { Translator } from '../../i18n/i18n.service';
import { defineCallbackData } from '../callbacks/callback-data';
import { languagePicker } from './menu.keyboards';

/** The /settings wizard's own buttons (its language buttons are the picker's, see menu.keyboards). */
export const settingsButton = defineCallbackData('settings', 1, ['action']);

const cancelRow = (tr: Translator): InlineKeyboardButton[] => [
  settingsButton.button(tr.t('settings-cancel'), { action: 'cancel' }),
];

/** Step 1: the language picker, then a Cancel button. */
export const settingsLanguageKeyboard = (tr: Translator, nameOf: (language: Language) => string) =>
  Markup.inlineKeyboard([
    ...languagePicker(tr.language, nameOf).reply_markup.inline_keyboard,
    cancelRow(tr),
  ]);

/** Step 2: only Cancel (the name is typed). */
export const settingsNameKeyboard = (tr: Translator) => Markup.inlineKeyboard([cancelRow(tr)]);
