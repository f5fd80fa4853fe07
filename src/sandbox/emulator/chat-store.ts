import { IdCounters } from './id-counters';
import type { TgChat, TgMessage, TgUser } from './telegram.types';

/** Messages kept per chat; older ones are forgotten so a long session stays bounded. */
export const HISTORY_PER_CHAT = 500;

interface ChatRecord {
  chat: TgChat;
  /** Members besides the bot (groups); a private chat's only member is its user. */
  members: Set<number>;
  admins: Set<number>;
  messages: TgMessage[];
}

/**
 * The emulator's world: users, chats and each chat's history in order. Message ids count per
 * chat, shared by the users' and the bot's messages, as in Telegram's private chats and groups.
 */
export class ChatStore {
  private readonly users = new Map<number, TgUser>();
  private readonly chats = new Map<number, ChatRecord>();

  constructor(private readonly ids: IdCounters = new IdCounters()) {}

  addUser(user: TgUser): TgUser {
    this.users.set(user.id, user);
    this.ensureChat({
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      username: user.username,
    });
    return user;
  }

  user(id: number): TgUser | undefined {
    return this.users.get(id);
  }

  allUsers(): TgUser[] {
    return [...this.users.values()];
  }

  ensureChat(chat: TgChat): TgChat {
    const existing = this.chats.get(chat.id);
    if (existing) return existing.chat;
    this.chats.set(chat.id, {
      chat,
      members: new Set(),
      admins: new Set(),
      messages: [],
    });
    return chat;
  }

  chat(id: number): TgChat | undefined {
    return this.chats.get(id)?.chat;
  }

  allChats(): TgChat[] {
    return [...this.chats.values()].map((c) => c.chat);
  }

  join(chatId: number, userId: number): void {
    this.chats.get(chatId)?.members.add(userId);
  }

  makeAdmin(chatId: number, userId: number): void {
    this.chats.get(chatId)?.admins.add(userId);
  }

  isChatAdmin(chatId: number, userId: number): boolean {
    return this.chats.get(chatId)?.admins.has(userId) ?? false;
  }

  /** Whether `userId` can write in `chatId`: their own private chat, or a group they are in. */
  canWrite(chatId: number, userId: number): boolean {
    const record = this.chats.get(chatId);
    if (!record) return false;
    return record.chat.type === 'private' ? chatId === userId : record.members.has(userId);
  }

  isGroup(chatId: number): boolean {
    const type = this.chats.get(chatId)?.chat.type;
    return type === 'group' || type === 'supergroup';
  }

  /** Appends a message, giving it the chat's next id. */
  append(chatId: number, message: Omit<TgMessage, 'message_id'>): TgMessage {
    const record = this.chats.get(chatId)!;
    const stored = { message_id: this.nextId(chatId), ...message } as TgMessage;
    record.messages.push(stored);
    if (record.messages.length > HISTORY_PER_CHAT) record.messages.shift();
    return stored;
  }

  /** Takes the next message id of a chat. */
  nextId(chatId: number): number {
    return this.ids.take(`chat:${chatId}`, 1);
  }

  message(chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.messages.find((m) => m.message_id === messageId);
  }

  replace(chatId: number, message: TgMessage): void {
    const list = this.chats.get(chatId)?.messages;
    const index = list?.findIndex((m) => m.message_id === message.message_id) ?? -1;
    if (list && index >= 0) list[index] = message;
  }

  remove(chatId: number, messageId: number): boolean {
    const list = this.chats.get(chatId)?.messages;
    const index = list?.findIndex((m) => m.message_id === messageId) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  history(chatId: number): TgMessage[] {
    return [...(this.chats.get(chatId)?.messages ?? [])];
  }
}
