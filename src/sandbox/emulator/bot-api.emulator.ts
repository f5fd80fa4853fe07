import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BotCommands } from './bot-commands';
import { ChatStore } from './chat-store';
import { IdCounters } from './id-counters';
import { FloodControl, TELEGRAM_FLOOD_LIMITS, type FloodLimits } from './flood-control';
import { commandEntities, inlineKeyboard, messageText } from './message-content';
import type { NewUpdate, TgBotCommand, TgChat, TgMessage, TgUser } from './telegram.types';
import { UpdateQueue } from './update-queue';
import { BotApiError, jsonParam, parsePayload, readBody, sendJson } from './wire';

export interface EmulatorOptions {
  /** The bot's token; its numeric prefix is the bot's user id. */
  token: string;
  /** The bot's profile as getMe returns it. */
  bot?: { id?: number; first_name: string; username: string };
  /** Telegram's flood limits by default; null turns them off. */
  floodLimits?: FloodLimits | null;
  /**
   * Accept sends to chats nobody wrote in, edits of messages the emulator never saw and answers
   * to unknown callback ids (tests push raw updates); Telegram, and the strict default, refuse them.
   */
  lenient?: boolean;
  /** The first update_id (default 1). */
  firstUpdateId?: number;
  /**
   * Where update and message ids are reserved, so that a restart never repeats one the service
   * has stored; without it they live in memory only.
   */
  idsFile?: string;
}

/** What the page and scripts hear about, live (the sandbox's server-sent events). */
export type SandboxEventBody =
  | { type: 'message' | 'edit'; chatId: number; message: TgMessage }
  | { type: 'delete'; chatId: number; messageIds: number[] }
  | { type: 'toast'; userId: number; callbackQueryId: string; text: string; showAlert: boolean }
  | { type: 'action'; chatId: number; action: string }
  | { type: 'commands' }
  | { type: 'user'; user: TgUser };

/** An event with its place in the stream: a history read at `seq` already includes it and all before. */
export type SandboxEvent = SandboxEventBody & { seq: number };

/** How a test double's hook can take over a call. */
export type Interception = { error: BotApiError } | 'drop' | 'stall';

interface CallbackRecord {
  userId: number;
  answer?: { text: string; showAlert: boolean };
}

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);
const KEPT_CALLBACKS = 1000;
const QUERY_INVALID = 'query is too old and response timeout expired or query ID is invalid';

/**
 * A Bot API server for one bot, over real HTTP: the wire format (`/bot<token>/<method>`, JSON or
 * form parameters, `{ ok, result }` / `{ ok: false, error_code, description, parameters }`), long
 * polling, the methods the service uses, Telegram's flood limits and a world of users and chats that
 * the sandbox page and its JSON API drive. Unknown methods answer 404 like Telegram.
 */
export class BotApiEmulator extends EventEmitter {
  readonly token: string;
  readonly bot: TgUser;
  readonly store: ChatStore;
  readonly commands = new BotCommands();
  /** Chats whose user blocked the bot: sends answer 403. */
  readonly blockedChats = new Set<number>();
  floodLimits: FloodLimits | null;
  webhook: {
    url: string;
    secret_token?: string;
    max_connections?: number;
    allowed_updates?: string[];
  } | null = null;
  /** Where the app's own HTTP endpoints are (the sandbox page's panel reads them through us). */
  appUrl: string | undefined;

  protected readonly updates: UpdateQueue;
  private readonly lenient: boolean;
  private readonly flood: FloodControl;
  private readonly callbacks = new Map<string, CallbackRecord>();
  private nextCallbackId = 1;
  private lastSeq = 0;
  private server: Server | undefined;
  private readonly methods: Record<string, (p: Record<string, any>) => unknown> = {
    getMe: () => ({
      ...this.bot,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    }),
    sendMessage: (p) => this.sendMessage(p),
    editMessageText: (p) => this.editMessage(p, true),
    editMessageReplyMarkup: (p) => this.editMessage(p, false),
    answerCallbackQuery: (p) => this.answerCallbackQuery(p),
    sendChatAction: (p) => this.sendChatAction(p),
    deleteMessage: (p) => this.deleteMessages(p, [p.message_id]),
    deleteMessages: (p) => this.deleteMessages(p, jsonParam<unknown[]>(p.message_ids)),
    setMyCommands: (p) => {
      this.commands.set({ ...p, commands: jsonParam(p.commands), scope: jsonParam(p.scope) });
      this.publish({ type: 'commands' });
      return true;
    },
    getMyCommands: (p) => this.commands.get({ ...p, scope: jsonParam(p.scope) }),
    deleteMyCommands: (p) => {
      this.commands.delete({ ...p, scope: jsonParam(p.scope) });
      this.publish({ type: 'commands' });
      return true;
    },
    setWebhook: (p) => this.setWebhook(p),
    deleteWebhook: (p) => {
      this.webhook = null;
      if (p.drop_pending_updates === true || p.drop_pending_updates === 'true')
        this.updates.dropPending();
      return true;
    },
    getWebhookInfo: () => ({
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.unconfirmed,
      ...(this.webhook?.max_connections ? { max_connections: this.webhook.max_connections } : {}),
      ...(this.webhook?.allowed_updates ? { allowed_updates: this.webhook.allowed_updates } : {}),
    }),
  };

  constructor(options: EmulatorOptions) {
    super();
    this.setMaxListeners(1000);
    this.token = options.token;
    const id = options.bot?.id ?? Number(options.token.split(':')[0]);
    this.bot = {
      id,
      is_bot: true,
      first_name: options.bot?.first_name ?? 'Sandbox Bot',
      username: options.bot?.username ?? 'sandbox_bot',
    };
    this.floodLimits =
      options.floodLimits === undefined ? TELEGRAM_FLOOD_LIMITS : options.floodLimits;
    this.lenient = options.lenient ?? false;
    this.flood = new FloodControl(() => this.floodLimits);
    const ids = new IdCounters(options.idsFile);
    this.store = new ChatStore(ids);
    this.updates = new UpdateQueue(ids, options.firstUpdateId ?? 1);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.apiRoot;
  }

  /** The base URL the bot uses as its API root (also the sandbox page's origin). */
  get apiRoot(): string {
    const { address, port } = this.server!.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  async stop(): Promise<void> {
    this.updates.release();
    this.emit('close');
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Queues raw updates (ids assigned unless given), learning their users and chats. Returns their ids. */
  push(...updates: NewUpdate[]): number[] {
    for (const u of updates) {
      const message = u.message;
      if (message?.chat) this.store.ensureChat(message.chat);
      if (message?.from && message.chat) this.store.join(message.chat.id, message.from.id);
      const query = u.callback_query;
      if (query) this.rememberCallback(query.id, query.from.id);
    }
    return this.updates.push(updates);
  }

  /** Updates no poll has confirmed yet. */
  get unconfirmed(): number {
    return this.updates.unconfirmed;
  }

  addUser(user: Omit<TgUser, 'is_bot'>): TgUser {
    const added = this.store.addUser({ ...user, is_bot: false });
    this.publish({ type: 'user', user: added });
    return added;
  }

  /** A group (a supergroup, as Telegram creates today) with these members; the first is its owner. */
  addGroup(id: number, title: string, memberIds: number[]): TgChat {
    const chat = this.store.ensureChat({ id, type: 'supergroup', title });
    for (const member of memberIds) this.store.join(id, member);
    if (memberIds.length > 0) this.store.makeAdmin(id, memberIds[0]);
    return chat;
  }

  /** A user writes `text` in a chat (their private chat by default); the bot gets it as an update. */
  userSends(
    userId: number,
    text: string,
    chatId = userId,
  ): { update_id: number; message: TgMessage } {
    const from = this.store.user(userId);
    if (!from) throw new BotApiError(404, 'user not found');
    if (!this.store.canWrite(chatId, userId))
      throw new BotApiError(404, 'chat not found (or the user is not in it)');
    if (text.trim() === '') throw BotApiError.badRequest('message text is empty');
    if (text.length > 4096) throw BotApiError.badRequest('message is too long');
    const entities = commandEntities(text);
    const message = this.store.append(chatId, {
      date: now(),
      chat: this.store.chat(chatId)!,
      from,
      text,
      ...(entities.length > 0 ? { entities } : {}),
    });
    this.publish({ type: 'message', chatId, message });
    const [update_id] = this.updates.push([{ message }]);
    return { update_id, message };
  }

  /** A user presses an inline button with `data` on a bot message. */
  userPresses(
    userId: number,
    chatId: number,
    messageId: number,
    data: string,
  ): { update_id: number; callback_query_id: string } {
    const from = this.store.user(userId);
    if (!from) throw new BotApiError(404, 'user not found');
    if (!this.store.canWrite(chatId, userId))
      throw new BotApiError(404, 'chat not found (or the user is not in it)');
    const message = this.store.message(chatId, messageId);
    if (!message) throw new BotApiError(404, 'message not found');
    const buttons = message.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((b) => b.callback_data === data))
      throw BotApiError.badRequest('the message has no button with this callback_data');
    const id = `${this.bot.id}${this.nextCallbackId++}`;
    this.rememberCallback(id, userId);
    const [update_id] = this.updates.push([
      { callback_query: { id, from, message, chat_instance: String(chatId), data } },
    ]);
    return { update_id, callback_query_id: id };
  }

  /** The answer the bot gave to a callback query (undefined: not answered yet). */
  callbackAnswer(id: string): { text: string; showAlert: boolean } | undefined | null {
    const record = this.callbacks.get(id);
    return record ? record.answer : null;
  }

  /** The `/` menu a user sees in a chat. */
  menuFor(chatId: number, userId: number): TgBotCommand[] {
    const user = this.store.user(userId);
    return this.commands.resolve(
      { id: chatId, isGroup: this.store.isGroup(chatId) },
      {
        id: userId,
        isAdmin: this.store.isChatAdmin(chatId, userId),
        language: user?.language_code,
      },
    );
  }

  /** Runs before every Bot API call; a test double overrides it to inject faults. */
  protected async intercept(
    _method: string,
    _payload: Record<string, any>,
  ): Promise<Interception | undefined> {
    return undefined;
  }

  /** Runs after every Bot API call with the status it was answered with. */
  protected onCall(_method: string, _payload: Record<string, any>, _status: number): void {}

  /** Routes that are not Bot API calls (the sandbox's page and JSON API); false: not handled. */
  protected async routeOther(
    _req: IncomingMessage,
    _res: ServerResponse,
    _url: URL,
  ): Promise<boolean> {
    return false;
  }

  /** The seq of the last event published; every state change publishes one. */
  get eventSeq(): number {
    return this.lastSeq;
  }

  protected publish(event: SandboxEventBody): void {
    this.emit('sandbox', { ...event, seq: ++this.lastSeq });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    try {
      if (call) return await this.botApi(req, res, call[1], call[2], url.search.slice(1));
      if (await this.routeOther(req, res, url)) return;
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    } catch (error) {
      if (error instanceof BotApiError) return sendJson(res, error.status, error.body);
      // A defect of the emulator: the caller gets a 500, whoever runs it hears why.
      this.emit('failure', error);
      const failed = new BotApiError(500, 'Internal Server Error');
      sendJson(res, failed.status, failed.body);
    }
  }

  private async botApi(
    req: IncomingMessage,
    res: ServerResponse,
    token: string,
    name: string,
    query: string,
  ): Promise<void> {
    const body = await readBody(req);
    if (token !== this.token) throw new BotApiError(401, 'Unauthorized');
    // Method names are case-insensitive in the Bot API.
    const method =
      Object.keys(this.methods).find((m) => m.toLowerCase() === name.toLowerCase()) ??
      (name.toLowerCase() === 'getupdates' ? 'getUpdates' : name);
    const payload = parsePayload(body, req.headers['content-type'], query);
    const intercepted = await this.intercept(method, payload);
    if (intercepted === 'stall') return;
    if (intercepted === 'drop') return void req.socket.destroy();
    if (intercepted) return sendJson(res, intercepted.error.status, intercepted.error.body);
    if (method === 'getUpdates') return this.getUpdates(payload, res);
    const handler = this.methods[method];
    let status = 200;
    try {
      if (!handler) throw new BotApiError(404, 'Not Found');
      const result = handler(payload);
      sendJson(res, 200, { ok: true, result });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      status = error.status;
      sendJson(res, status, error.body);
    }
    this.onCall(method, payload, status);
  }

  private getUpdates(payload: Record<string, any>, res: ServerResponse): void {
    this.onCall('getUpdates', payload, 200);
    if (this.webhook) {
      const conflict = new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
      return sendJson(res, 409, conflict.body);
    }
    this.updates.poll({ ...payload, allowed_updates: jsonParam(payload.allowed_updates) }, res);
    // Heard by tests that need a poll to be waiting before they act.
    this.emit('poll');
  }

  private sendMessage(p: Record<string, any>): TgMessage {
    const chat = this.targetChat(p.chat_id);
    const content = messageText(p);
    const markup = inlineKeyboard(p.reply_markup);
    this.admitSend(chat.id);
    if (this.blockedChats.has(chat.id))
      throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
    const message = this.store.append(chat.id, {
      date: now(),
      chat,
      from: this.bot,
      ...content,
      ...(markup ? { reply_markup: markup } : {}),
    });
    this.publish({ type: 'message', chatId: chat.id, message });
    return message;
  }

  private editMessage(p: Record<string, any>, withText: boolean): TgMessage | true {
    if (p.inline_message_id !== undefined) {
      if (this.lenient) return true;
      throw BotApiError.badRequest('the emulator has no inline messages (inline_message_id)');
    }
    const chat = this.targetChat(p.chat_id);
    const messageId = Number(p.message_id);
    if (!Number.isInteger(messageId))
      throw BotApiError.badRequest('message identifier is not specified');
    const old = this.store.message(chat.id, messageId);
    if (!old && !this.lenient) throw BotApiError.badRequest('message to edit not found');
    if (old && old.from?.id !== this.bot.id)
      throw BotApiError.badRequest("message can't be edited");
    const markup = inlineKeyboard(p.reply_markup);
    const content = withText ? messageText(p) : { text: old?.text, entities: old?.entities };
    const base: TgMessage = old ?? { message_id: messageId, date: now(), chat, from: this.bot };
    const edited: TgMessage = { ...base, text: content.text, edit_date: now() };
    delete edited.entities;
    delete edited.reply_markup;
    if (content.entities) edited.entities = content.entities;
    if (markup) edited.reply_markup = markup;
    if (old && sameContent(old, edited))
      throw BotApiError.badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    this.admitSend(chat.id);
    if (old) {
      this.store.replace(chat.id, edited);
      this.publish({ type: 'edit', chatId: chat.id, message: edited });
    }
    return edited;
  }

  private answerCallbackQuery(p: Record<string, any>): true {
    const id = String(p.callback_query_id ?? '');
    const record = this.callbacks.get(id);
    if (!record || record.answer) {
      if (this.lenient) return true;
      throw BotApiError.badRequest(QUERY_INVALID);
    }
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.length > 200) throw BotApiError.badRequest('MESSAGE_TOO_LONG');
    const showAlert = p.show_alert === true || p.show_alert === 'true';
    record.answer = { text, showAlert };
    this.publish({ type: 'toast', userId: record.userId, callbackQueryId: id, text, showAlert });
    return true;
  }

  private sendChatAction(p: Record<string, any>): true {
    const chat = this.targetChat(p.chat_id);
    const action = String(p.action ?? '');
    if (!CHAT_ACTIONS.has(action))
      throw BotApiError.badRequest('wrong parameter action in request');
    if (this.blockedChats.has(chat.id))
      throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
    this.publish({ type: 'action', chatId: chat.id, action });
    return true;
  }

  private deleteMessages(p: Record<string, any>, ids: unknown[] | undefined): true {
    const chat = this.targetChat(p.chat_id);
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 100 ||
      ids.some((id) => !Number.isInteger(Number(id)))
    )
      throw BotApiError.badRequest('message identifier is not specified');
    const removed = ids.map(Number).filter((id) => this.store.remove(chat.id, id));
    if (removed.length === 0 && !this.lenient)
      throw BotApiError.badRequest('message to delete not found');
    if (removed.length > 0) this.publish({ type: 'delete', chatId: chat.id, messageIds: removed });
    return true;
  }

  private setWebhook(p: Record<string, any>): true {
    const url = String(p.url ?? '');
    if (url === '') {
      this.webhook = null;
      return true;
    }
    if (!/^https?:\/\//.test(url))
      throw BotApiError.badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    this.webhook = {
      url,
      secret_token: p.secret_token,
      max_connections: p.max_connections,
      allowed_updates: jsonParam(p.allowed_updates),
    };
    return true;
  }

  /** The chat a call addresses; unknown chats are refused unless lenient (then created). */
  private targetChat(chatId: unknown): TgChat {
    const id = Number(chatId);
    if (chatId === undefined || chatId === '' || !Number.isSafeInteger(id))
      throw BotApiError.badRequest('chat not found');
    const chat = this.store.chat(id);
    if (chat) return chat;
    if (!this.lenient) throw BotApiError.badRequest('chat not found');
    return this.store.ensureChat({ id, type: id < 0 ? 'supergroup' : 'private' });
  }

  private admitSend(chatId: number): void {
    const retryAfter = this.flood.admit(chatId, this.store.isGroup(chatId));
    if (retryAfter !== undefined)
      throw new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
  }

  private rememberCallback(id: string, userId: number): void {
    this.callbacks.set(id, { userId });
    if (this.callbacks.size > KEPT_CALLBACKS)
      this.callbacks.delete(this.callbacks.keys().next().value!);
  }
}

const now = () => Math.floor(Date.now() / 1000);

function sameContent(a: TgMessage, b: TgMessage): boolean {
  return (
    a.text === b.text &&
    JSON.stringify(a.entities ?? []) === JSON.stringify(b.entities ?? []) &&
    JSON.stringify(a.reply_markup ?? null) === JSON.stringify(b.reply_markup ?? null)
  );
}
