import { negotiateLanguages } from '@fluent/langneg';

/** The languages the bot speaks, the fallback first. */
export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Whether `value` is one of LANGUAGES exactly (a stored choice, a button's field). */
export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

/**
 * The language to answer in: the user's stored choice, else Telegram's `language_code` (an IETF
 * tag such as `ru` or `ru-RU`, matched by Fluent's negotiation), else English.
 */
export function resolveLanguage(
  preferred: string | null | undefined,
  languageCode: string | null | undefined,
): Language {
  for (const requested of [preferred, languageCode]) {
    if (!requested) continue;
    const [match] = negotiateLanguages([requested], LANGUAGES, { strategy: 'filtering' });
    if (match && isLanguage(match)) return match;
  }
  return DEFAULT_LANGUAGE;
}
