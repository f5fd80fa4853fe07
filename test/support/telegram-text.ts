/** A message as Telegram shows it: the literal text and what each entity covers. */
export interface RenderedMessage {
  text: string;
  entities: { type: string; text: string }[];
}

/**
 * Reads a sendMessage/editMessageText payload the way Telegram does when it carries entities: the
 * text is shown literally (no parse_mode may be set, or markup in it would be parsed), and entity
 * offsets and lengths count UTF-16 code units.
 */
export function render(payload: Record<string, any>): RenderedMessage {
  if (payload.parse_mode !== undefined) {
    throw new Error(`parse_mode ${payload.parse_mode} set: the text would be parsed as markup`);
  }
  const text = String(payload.text);
  const entities = (
    (payload.entities ?? []) as { type: string; offset: number; length: number }[]
  ).map((e) => {
    if (e.offset < 0 || e.length <= 0 || e.offset + e.length > text.length) {
      throw new Error(`entity ${e.type} (${e.offset}+${e.length}) outside the text`);
    }
    return { type: e.type, text: text.slice(e.offset, e.offset + e.length) };
  });
  return { text, entities };
}
