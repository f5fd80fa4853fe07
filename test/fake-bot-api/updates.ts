import type {
  NewUpdate,
  TgChat,
  TgMessage,
  TgUser,
} from '../../src/sandbox/emulator/telegram.types';

/** Typed factories for the updates Telegram sends, as the fake Bot API serves them. */

export type {
  NewUpdate,
  TgChat,
  TgMessage,
  TgUpdate,
  TgUser,
} from '../../src/sandbox/emulator/telegram.types';

let nextMessageId = 1;

export function user(id: number, overrides: Partial<TgUser> = {}): TgUser {
  return {
    id,
    is_bot: false,
    first_name: `User${id}`,
    username: `user${id}`,
    language_code: 'en',
    ...overrides,
  };
}

export function privateChat(id: number): TgChat {
  return { id, type: 'private', first_name: `User${id}` };
}

export function groupChat(id: number): TgChat {
  return { id, type: 'supergroup', title: `Group ${id}` };
}

/** A text message; a leading `/command` gets a bot_command entity like Telegram adds. */
export function textMessage(
  userId: number,
  text: string,
  options: { chat?: TgChat; from?: TgUser | null } = {},
): NewUpdate {
  const command = /^\/\S+/.exec(text);
  const message: TgMessage = {
    message_id: nextMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: options.chat ?? privateChat(userId),
    text,
    ...(command
      ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] }
      : {}),
  };
  if (options.from !== null) message.from = options.from ?? user(userId);
  return { message };
}

/** A non-text message (a sticker), which the bot must handle without crashing. */
export function stickerMessage(userId: number): NewUpdate {
  return {
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: privateChat(userId),
      from: user(userId),
      sticker: {
        file_id: 'x',
        file_unique_id: 'y',
        width: 1,
        height: 1,
        is_animated: false,
        is_video: false,
        type: 'regular',
      },
    },
  };
}

export function callbackQuery(userId: number, data: string, messageId = 1): NewUpdate {
  return {
    callback_query: {
      id: `cb${nextMessageId++}`,
      from: user(userId),
      data,
      chat_instance: `ci${userId}`,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: privateChat(userId),
        text: 'menu',
      },
    },
  };
}

/** The user blocked the bot (`kicked`) or unblocked it (`member`) in their private chat. */
export function myChatMember(userId: number, status: 'kicked' | 'member'): NewUpdate {
  const bot = { id: 999, is_bot: true, first_name: 'Test Bot', username: 'test_bot' };
  return {
    my_chat_member: {
      chat: privateChat(userId),
      from: user(userId),
      date: Math.floor(Date.now() / 1000),
      old_chat_member: { user: bot, status: status === 'kicked' ? 'member' : 'kicked' },
      new_chat_member: { user: bot, status, ...(status === 'kicked' ? { until_date: 0 } : {}) },
    },
  };
}
