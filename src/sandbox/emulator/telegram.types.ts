/** The parts of the Bot API's object types that the emulator produces and understands. */

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  username?: string;
}

export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  user?: TgUser;
  custom_emoji_id?: string;
}

export interface TgInlineButton {
  text: string;
  callback_data?: string;
  url?: string;
  [key: string]: unknown;
}

export interface TgInlineKeyboard {
  inline_keyboard: TgInlineButton[][];
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  text?: string;
  entities?: TgEntity[];
  edit_date?: number;
  reply_markup?: TgInlineKeyboard;
  [key: string]: unknown;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  data?: string;
  message?: TgMessage;
  chat_instance: string;
}

/** An update as pushed into the server, which numbers it unless `update_id` is given. */
export interface NewUpdate {
  update_id?: number;
  message?: TgMessage;
  callback_query?: TgCallbackQuery;
  [key: string]: unknown;
}

export interface TgUpdate extends NewUpdate {
  update_id: number;
}

export interface TgBotCommand {
  command: string;
  description: string;
}
