import type { MessageEntity } from 'telegraf/types';

/** The text after a command, with the formatting entities that fall in it. */
export interface CommandArgument {
  text: string;
  entities: MessageEntity[];
}

/**
 * What follows `/command` (or `/command@bot`) in a message, its entities moved to the new start
 * and cut to the new end, so a broadcast keeps the admin's bold, links and so on. Offsets are
 * UTF-16 code units, like JavaScript string indices.
 */
export function commandArgument(
  text: string,
  entities: readonly MessageEntity[] = [],
): CommandArgument {
  const prefix = /^\/\w+(@\w+)?\s*/.exec(text)?.[0].length ?? 0;
  const argument = text.slice(prefix).trimEnd();
  const end = argument.length;
  const moved: MessageEntity[] = [];
  for (const entity of entities) {
    const from = Math.max(entity.offset - prefix, 0);
    const to = Math.min(entity.offset + entity.length - prefix, end);
    if (to > from) moved.push({ ...entity, offset: from, length: to - from });
  }
  return { text: argument, entities: moved };
}
