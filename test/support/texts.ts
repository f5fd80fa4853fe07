import { Translations } from '../../src/i18n/translations';
import { menuButton } from '../../src/bot/updates/menu.keyboards';

/** The bot's texts as specs expect them, from the same catalogues (English unless given). */
export const translations = new Translations();
const en = translations.t.bind(translations, 'en');

export const texts = {
  welcome: (name: string) => en('welcome', { name }),
  help: en('help'),
  saved: en('saved'),
  unknownCommand: en('unknown-command'),
  expiredButton: en('button-expired'),
  adminOnly: en('admin-only'),
};

/** Callback data of the /start menu's buttons. */
export const MENU_PROFILE = menuButton.encode({ screen: 'profile' });
export const MENU_HELP = menuButton.encode({ screen: 'help' });
export const MENU_LANGUAGE = menuButton.encode({ screen: 'language' });
