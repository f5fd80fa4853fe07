import type { Update } from 'telegraf/types';

/** The chat an update belongs to: updates of one chat are handled strictly in order. */
export function chatKeyOf(update: Update): string {
  const u = update as any;
  const chatId =
    u.message?.chat?.id ??
    u.callback_query?.message?.chat?.id ??
    u.callback_query?.from?.id ??
    u.my_chat_member?.chat?.id;
  return chatId === undefined ? 'no-chat' : String(chatId);
}

export function chatIdOf(update: Update): number | undefined {
  const key = chatKeyOf(update);
  return key === 'no-chat' ? undefined : Number(key);
}
