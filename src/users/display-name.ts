/** The longest display name kept, in characters (code points). */
export const DISPLAY_NAME_MAX_LENGTH = 64;

/** Control characters (C0, C1), and format characters such as bidi overrides and zero widths. */
const CONTROL = /[\p{Cc}\p{Cf}]/gu;

export type DisplayNameCheck =
  { ok: true; name: string } | { ok: false; reason: 'empty' | 'too-long' };

/**
 * A user's display name from what they typed: control and format characters removed, runs of
 * whitespace made one space, trimmed, at most DISPLAY_NAME_MAX_LENGTH characters. Markup needs no
 * escaping here: replies carry names as entities (see src/bot/updates/replies.ts).
 */
export function checkDisplayName(input: string): DisplayNameCheck {
  const name = input.replace(CONTROL, '').replace(/\s+/gu, ' ').trim();
  if (!name) return { ok: false, reason: 'empty' };
  if ([...name].length > DISPLAY_NAME_MAX_LENGTH) return { ok: false, reason: 'too-long' };
  return { ok: true, name };
}
