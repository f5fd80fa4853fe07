// PostgreSQL `text` cannot hold U+0000; dropping it keeps the row instead of dead-lettering it.
const NUL = '\u0000';

/** Removes NUL bytes and cuts the string to `max` characters (null stays null), for `text` columns. */
export function cleanText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const clean = String(value).replaceAll(NUL, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/** A JSON-safe copy for `dead_letters.payload` (jsonb rejects \u0000 too). */
export function toDeadLetterPayload(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replaceAll(NUL, '\uFFFD') : v,
  );
}
