import type { FakeBotApi } from '../fake-bot-api/fake-bot-api.server';
import { callbackQuery, textMessage, user, type TgUpdate } from '../fake-bot-api/updates';
import { languageButton } from '../../src/bot/updates/menu.keyboards';
import { settingsButton } from '../../src/bot/updates/settings.keyboards';

/** Callback data of the /settings wizard's buttons. */
export const PICK_EN = languageButton.encode({ code: 'en' });
export const PICK_RU = languageButton.encode({ code: 'ru' });
export const CANCEL = settingsButton.encode({ action: 'cancel' });

/** A chat with the bot as one user (private chat id = user id), with their language_code. */
export function chatAs(api: FakeBotApi, id: number, languageCode = 'en') {
  const from = user(id, { language_code: languageCode });
  const replies = () => api.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === id);
  /** Sends an update and resolves with the next reply's payload. */
  const expectReply = async (update: TgUpdate | ReturnType<typeof textMessage>) => {
    const before = replies().length;
    api.push(update);
    await api.waitFor(() => replies().length > before, 10_000, `a reply to ${id}`);
    return replies()[before].payload;
  };
  return {
    say: (text: string) => expectReply(textMessage(id, text, { from })),
    tap: (data: string) => {
      const update = callbackQuery(id, data) as TgUpdate;
      update.callback_query!.from = from;
      return expectReply(update);
    },
    replies,
  };
}

/** Button labels of a reply, row by row. */
export const buttons = (payload: Record<string, any>): string[][] =>
  (payload.reply_markup?.inline_keyboard ?? []).map((row: any[]) => row.map((b) => b.text));

/**
 * Resolves once the stored session of `key` (`user:chat`) equals `expected` (null: none), or
 * satisfies it when it is a function. The
 * session is written after the handler returns, so just after its reply: this polls the table.
 */
export async function storedSessionBecomes(
  query: (sql: string, params?: unknown[]) => Promise<{ data: unknown }[]>,
  key: string,
  expected: Record<string, unknown> | null | ((data: any) => boolean),
): Promise<void> {
  const matches =
    typeof expected === 'function'
      ? expected
      : (data: unknown) => JSON.stringify(data) === JSON.stringify(expected);
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    const rows = await query('SELECT data FROM bot_sessions WHERE key = $1', [key]);
    last = rows[0]?.data ?? null;
    if (matches(last)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`session ${key} is ${JSON.stringify(last)}, never as expected`);
}
