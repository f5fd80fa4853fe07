import type { MessageRow, UserActivity } from './batch.types';

// Postgres `text` cannot hold U+0000; dropping it keeps the message instead of dead-lettering it.
const NUL = '\u0000';

/** Longest stored name: Telegram caps names at 64 characters, so more is garbage or an attack. */
export const MAX_NAME_LENGTH = 256;
/** Longest stored text: Telegram caps messages at 4096 characters; leave room, bound the row. */
export const MAX_TEXT_LENGTH = 16_384;
const MAX_LANGUAGE_LENGTH = 35;

/** Removes NUL bytes and cuts the string to `max` characters (null stays null). */
export function cleanText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const clean = String(value).replaceAll(NUL, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/** A message row Postgres accepts for its text; ids and dates are left for the database to judge. */
export function sanitizeMessage(row: MessageRow): MessageRow {
  return { ...row, text: cleanText(row.text, MAX_TEXT_LENGTH) };
}

/** An activity with bounded, NUL-free names and a whole, non-negative message increment. */
export function sanitizeActivity(activity: UserActivity): UserActivity {
  const messages = Number.isFinite(activity.messages)
    ? Math.max(0, Math.trunc(activity.messages))
    : 0;
  return {
    ...activity,
    username: cleanText(activity.username, MAX_NAME_LENGTH),
    firstName: cleanText(activity.firstName, MAX_NAME_LENGTH),
    lastName: cleanText(activity.lastName, MAX_NAME_LENGTH),
    languageCode: cleanText(activity.languageCode, MAX_LANGUAGE_LENGTH),
    messages,
  };
}

/** A JSON-safe copy for `dead_letters.payload` (jsonb rejects \u0000 too). */
export function toDeadLetterPayload(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replaceAll(NUL, '\uFFFD') : v,
  );
}
