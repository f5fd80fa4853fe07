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
    const match = negotiated(requested);
    if (match) return match;
  }
  return DEFAULT_LANGUAGE;
}

/**
 * Telegram's language tags are a small set; negotiating one parses locales each time (about 10 µs,
 * once per reply), so each tag's answer is kept. Bounded, since a tag is whatever a client sends.
 */
const negotiatedTags = new Map<string, Language | null>();
const NEGOTIATED_TAGS_MAX = 1000;

function negotiated(tag: string): Language | null {
  let match = negotiatedTags.get(tag);
  if (match !== undefined) return match;
  const [first] = negotiateLanguages([tag], LANGUAGES, { strategy: 'filtering' });
  match = first && isLanguage(first) ? first : null;
  if (negotiatedTags.size < NEGOTIATED_TAGS_MAX) negotiatedTags.set(tag, match);
  return match;
}
