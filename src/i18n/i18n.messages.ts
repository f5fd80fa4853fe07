import type { Language } from './i18n.languages';
import en from './locales/en';
import ru from './locales/ru';

/**
 * Every message id of the catalogues. A fork adds its id here and its text to every catalogue;
 * i18n.catalogue.spec.ts fails until all languages have it with the same variables.
 */
export const MESSAGE_IDS = [
  'language-name',
  'welcome',
  'welcome-name-fallback',
  'help',
  'saved',
  'received',
  'unknown-command',
  'no-profile',
  'button-expired',
  'profile',
  'profile-with-username',
  'profile-name-fallback',
  'menu-profile',
  'menu-help',
  'menu-language',
  'language-prompt',
  'language-chosen',
  'settings-language-prompt',
  'settings-language-retry',
  'settings-name-prompt',
  'settings-name-retry',
  'settings-name-empty',
  'settings-name-too-long',
  'settings-saved',
  'settings-cancel',
  'settings-cancelled',
  'admin-only',
  'stats',
  'stats-hit-ratio',
  'stats-hit-ratio-none',
  'broadcast-usage',
  'broadcast-busy',
  'broadcast-status',
  'broadcast-recipients',
  'broadcast-status-running',
  'broadcast-status-paused',
  'broadcast-status-cancelled',
  'broadcast-status-done',
  'broadcast-paused',
  'broadcast-resumed',
  'broadcast-cancelled',
  'broadcast-none-running',
  'broadcast-none-paused',
  'broadcast-none-active',
  'command-start',
  'command-help',
  'command-me',
  'command-settings',
  'command-stats',
  'command-broadcast',
  'command-broadcast-pause',
  'command-broadcast-resume',
  'command-broadcast-cancel',
  'failure',
  'rate-limited',
] as const;

export type MessageId = (typeof MESSAGE_IDS)[number];

/** The Fluent source of each language. */
export const CATALOGUES: Record<Language, string> = { en, ru };
