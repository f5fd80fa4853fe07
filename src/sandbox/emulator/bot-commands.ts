import type { TgBotCommand } from './telegram.types';
import { BotApiError } from './wire';

export interface CommandScope {
  type:
    | 'default'
    | 'all_private_chats'
    | 'all_group_chats'
    | 'all_chat_administrators'
    | 'chat'
    | 'chat_administrators'
    | 'chat_member';
  chat_id?: number | string;
  user_id?: number;
}

const SCOPES = new Set<string>([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
]);

/** Command lists by scope and language, resolved for one user in one chat as Telegram clients do. */
export class BotCommands {
  private readonly lists = new Map<string, TgBotCommand[]>();

  set(params: { commands?: unknown; scope?: unknown; language_code?: unknown }): void {
    const commands = validateCommands(params.commands);
    const key = scopeKey(params.scope, params.language_code);
    if (commands.length === 0) this.lists.delete(key);
    else this.lists.set(key, commands);
  }

  get(params: { scope?: unknown; language_code?: unknown }): TgBotCommand[] {
    return this.lists.get(scopeKey(params.scope, params.language_code)) ?? [];
  }

  delete(params: { scope?: unknown; language_code?: unknown }): void {
    this.lists.delete(scopeKey(params.scope, params.language_code));
  }

  /**
   * The menu a user sees: the most specific scope that has commands, each tried in the user's
   * language first, then without a language (the Bot API's documented resolution order).
   */
  resolve(
    chat: { id: number; isGroup: boolean },
    user: { id: number; isAdmin: boolean; language?: string },
  ): TgBotCommand[] {
    const scopes: CommandScope[] = chat.isGroup
      ? [
          { type: 'chat_member', chat_id: chat.id, user_id: user.id },
          ...(user.isAdmin ? [{ type: 'chat_administrators' as const, chat_id: chat.id }] : []),
          { type: 'chat', chat_id: chat.id },
          ...(user.isAdmin ? [{ type: 'all_chat_administrators' as const }] : []),
          { type: 'all_group_chats' },
          { type: 'default' },
        ]
      : [{ type: 'chat', chat_id: chat.id }, { type: 'all_private_chats' }, { type: 'default' }];
    for (const scope of scopes) {
      for (const language of [user.language, ''].filter((l) => l !== undefined)) {
        const list = this.lists.get(scopeKey(scope, language));
        if (list) return list;
      }
    }
    return [];
  }
}

function scopeKey(scope: unknown, language: unknown): string {
  const s = (scope ?? { type: 'default' }) as CommandScope;
  if (typeof s !== 'object' || !SCOPES.has(s.type))
    throw BotApiError.badRequest('unsupported bot command scope specified');
  const needsChat = ['chat', 'chat_administrators', 'chat_member'].includes(s.type);
  if (needsChat && s.chat_id === undefined) throw BotApiError.badRequest('chat not found');
  if (s.type === 'chat_member' && s.user_id === undefined)
    throw BotApiError.badRequest('user not found');
  const lang = typeof language === 'string' ? language : '';
  if (lang && !/^[a-z]{2}$/.test(lang))
    throw BotApiError.badRequest('invalid language code specified');
  return [
    s.type,
    needsChat ? String(s.chat_id) : '',
    s.type === 'chat_member' ? String(s.user_id) : '',
    lang,
  ].join('|');
}

function validateCommands(value: unknown): TgBotCommand[] {
  if (!Array.isArray(value)) throw BotApiError.badRequest('parameter "commands" is required');
  if (value.length > 100) throw BotApiError.badRequest('too many commands specified');
  return value.map((c: Partial<TgBotCommand>) => {
    const command = String(c?.command ?? '').replace(/^\//, '');
    const description = String(c?.description ?? '');
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw BotApiError.badRequest('BOT_COMMAND_INVALID');
    if (description.length < 1 || description.length > 256)
      throw BotApiError.badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    return { command, description };
  });
}
