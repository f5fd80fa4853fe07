import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotApiEmulator, SandboxEvent } from './emulator/bot-api.emulator';
import type { TgUser } from './emulator/telegram.types';
import { BotApiError, readBody, sendJson } from './emulator/wire';

/** The sandbox's cast: who is in it and who administers the bot. */
export interface SandboxWorld {
  adminId: number;
  groupId: number;
}

/** The app endpoints the page (and scripts) may read through the sandbox's origin. */
const APP_ENDPOINTS = new Set([
  'health',
  'health/live',
  'health/ready',
  'performance',
  'bot-optimization',
  'db-status',
  'metrics',
]);
const HEARTBEAT_MS = 15_000;

/**
 * The JSON API under /sandbox/api: users write and press buttons, chat histories and menus are
 * read back, events stream live (server-sent events), and the app's own endpoints are reachable
 * on the same origin for the page's panel.
 */
export class SandboxApi {
  private nextUserId: number;

  constructor(
    private readonly emulator: BotApiEmulator,
    private readonly world: SandboxWorld,
  ) {
    this.nextUserId = Math.max(...emulator.store.allUsers().map((u) => u.id), 0) + 1;
  }

  /** Answers a /sandbox/api request; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (!path.startsWith('/sandbox/api/')) return false;
    try {
      await this.route(req, res, path.slice('/sandbox/api/'.length), url);
    } catch (error) {
      if (error instanceof BotApiError) {
        sendJson(res, error.status, { error: error.description.replace(/^Bad Request: /, '') });
      } else {
        this.emulator.emit('failure', error);
        sendJson(res, 500, { error: 'internal error of the sandbox' });
      }
    }
    return true;
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: URL,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (path === 'state') {
      this.expect(method, 'GET');
      return sendJson(res, 200, this.state());
    }
    if (path === 'events') {
      this.expect(method, 'GET');
      return this.events(req, res);
    }
    if (path === 'users') {
      this.expect(method, 'POST');
      return sendJson(res, 201, this.addUser(await readJson(req)));
    }
    if ((m = /^users\/(\d+)\/messages$/.exec(path))) {
      this.expect(method, 'POST');
      const body = await readJson(req);
      const text = body.text;
      if (typeof text !== 'string') throw BotApiError.badRequest('"text" must be a string');
      const chatId = optionalInteger(body.chatId, 'chatId');
      const { update_id, message } = this.emulator.userSends(Number(m[1]), text, chatId);
      return sendJson(res, 201, {
        update_id,
        chat_id: message.chat.id,
        message_id: message.message_id,
      });
    }
    if ((m = /^users\/(\d+)\/callbacks$/.exec(path))) {
      this.expect(method, 'POST');
      const body = await readJson(req);
      const messageId = optionalInteger(body.messageId, 'messageId');
      if (messageId === undefined) throw BotApiError.badRequest('"messageId" is required');
      if (typeof body.data !== 'string') throw BotApiError.badRequest('"data" must be a string');
      const userId = Number(m[1]);
      const chatId = optionalInteger(body.chatId, 'chatId') ?? userId;
      return sendJson(res, 201, this.emulator.userPresses(userId, chatId, messageId, body.data));
    }
    if ((m = /^callbacks\/([\w-]+)$/.exec(path))) {
      this.expect(method, 'GET');
      const answer = this.emulator.callbackAnswer(m[1]);
      if (answer === null) throw new BotApiError(404, 'callback query not found');
      return sendJson(res, 200, { answered: answer !== undefined, ...(answer ?? {}) });
    }
    if ((m = /^chats\/(-?\d+)\/messages$/.exec(path))) {
      this.expect(method, 'GET');
      const chat = this.emulator.store.chat(Number(m[1]));
      if (!chat) throw new BotApiError(404, 'chat not found');
      const { eventSeq: seq } = this.emulator;
      return sendJson(res, 200, { chat, messages: this.emulator.store.history(chat.id), seq });
    }
    if ((m = /^chats\/(-?\d+)\/commands$/.exec(path))) {
      this.expect(method, 'GET');
      const userId = Number(url.searchParams.get('userId'));
      if (!this.emulator.store.user(userId)) throw new BotApiError(404, 'user not found');
      return sendJson(res, 200, { commands: this.emulator.menuFor(Number(m[1]), userId) });
    }
    if (path.startsWith('app/') && APP_ENDPOINTS.has(path.slice(4))) {
      this.expect(method, 'GET');
      return this.proxy(res, path.slice(4));
    }
    throw new BotApiError(404, 'no such sandbox endpoint');
  }

  private expect(actual: string, wanted: string): void {
    if (actual !== wanted) throw new BotApiError(405, `use ${wanted}`);
  }

  private state() {
    const { emulator, world } = this;
    return {
      bot: emulator.bot,
      adminId: world.adminId,
      users: emulator.store.allUsers(),
      group: emulator.store.chat(world.groupId),
    };
  }

  private addUser(body: Record<string, unknown>): TgUser {
    const firstName = typeof body.firstName === 'string' ? body.firstName.trim() : '';
    if (firstName === '' || firstName.length > 64)
      throw BotApiError.badRequest('"firstName" must be 1-64 characters');
    const { username } = body;
    if (
      username !== undefined &&
      (typeof username !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{4,31}$/.test(username))
    )
      throw BotApiError.badRequest('"username" must be 5-32 characters of A-Z a-z 0-9 _');
    const language = body.languageCode ?? 'en';
    if (typeof language !== 'string' || !/^[a-z]{2}$/.test(language))
      throw BotApiError.badRequest('"languageCode" must be two letters');
    const user = this.emulator.addUser({
      id: this.nextUserId++,
      first_name: firstName,
      ...(username ? { username } : {}),
      language_code: language,
    });
    this.emulator.store.join(this.world.groupId, user.id);
    return user;
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const onEvent = (event: SandboxEvent) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      this.emulator.off('sandbox', onEvent);
      this.emulator.off('close', end);
      res.end();
    };
    this.emulator.on('sandbox', onEvent);
    this.emulator.once('close', end);
    req.on('close', end);
  }

  private async proxy(res: ServerResponse, endpoint: string): Promise<void> {
    const base = this.emulator.appUrl;
    if (!base) throw new BotApiError(503, 'the app is not listening yet');
    let answer: Response;
    try {
      answer = await fetch(`${base}/${endpoint}`, { signal: AbortSignal.timeout(5000) });
    } catch {
      throw new BotApiError(502, 'the app did not answer');
    }
    const body = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').includes('application/json'))
    throw new BotApiError(415, 'send a JSON body (content-type: application/json)');
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof BotApiError) throw error;
    throw BotApiError.badRequest('the body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw BotApiError.badRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function optionalInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw BotApiError.badRequest(`"${name}" must be an integer`);
  return value;
}
