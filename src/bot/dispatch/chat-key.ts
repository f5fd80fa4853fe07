import type { Update } from 'telegraf/types';

/** The chat an update belongs to: updates of one chat are handled strictly in order. */
export function chatKeyOf(update: Update): string {
  const chatId = chatIdOf(update) ?? (update as any).my_chat_member?.chat?.id;
  return chatId === undefined ? 'no-chat' : String(chatId);
}

/** The chat an answer to the update goes to: a message's or a button's (a membership change gets none). */
export function chatIdOf(update: Update): number | undefined {
  const u = update as any;
  return u.message?.chat?.id ?? u.callback_query?.message?.chat?.id ?? u.callback_query?.from?.id;
}
