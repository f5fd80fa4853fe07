import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TgMessage, TgUpdate } from './updates';

/** One Bot API call the bot made, as the fake server received it. */
export interface RecordedCall {
  method: string;
  payload: Record<string, any>;
  at: number;
  status: number;
}

interface Fault {
  status: number;
  description: string;
  retryAfter?: number;
  /** Drop the connection instead of answering (a network error). */
  destroy?: boolean;
}

interface PendingPoll {
  res: ServerResponse;
  offset: number;
  limit: number;
  timer: NodeJS.Timeout;
}

/**
 * A Bot API double over real HTTP on loopback, speaking the wire format: long polling with offset,
 * limit, timeout and allowed_updates; 409 when a newer poll replaces a waiting one; the send methods
 * the bot uses, recorded; fault switches (429 with retry_after, 5xx, dropped connections, latency);
 * and optional flood limits like Telegram's (global per second, per chat per second).
 */
export class FakeBotApi extends EventEmitter {
  readonly calls: RecordedCall[] = [];
  /** Parameters of every getUpdates, for asserting offset/limit/timeout. */
  readonly polls: {
    offset?: number;
    limit?: number;
    timeout?: number;
    allowed_updates?: string[];
  }[] = [];
  latencyMs = 0;
  /** Extra latency for calls addressed to one chat, to make one chat slow. */
  readonly chatLatencyMs = new Map<number, number>();
  /** Calls addressed to these chats are never answered nor recorded, only counted in `stalled`. */
  readonly stalledChats = new Set<number>();
  stalled = 0;
  floodLimits: { globalPerSecond: number; chatPerSecond: number } | null = null;
  readonly blockedChats = new Set<number>();
  allowedUpdates: string[] = [];
  webhook: {
    url: string;
    secret_token?: string;
    max_connections?: number;
    allowed_updates?: string[];
  } | null = null;

  private server: Server | undefined;
  private queue: TgUpdate[] = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private pendingPoll: PendingPoll | undefined;
  private faults = new Map<string, Fault[]>();
  private sendLog: { at: number; chat: number }[] = [];
  private confirmedOffset = 0;

  constructor(readonly token = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz') {
    super();
    this.setMaxListeners(1000);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiRoot;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.pendingPoll) this.answerPoll(this.pendingPoll, []);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Queues updates (ids assigned unless given) and wakes a waiting long poll. Returns their ids. */
  push(...updates: (Omit<TgUpdate, 'update_id'> & { update_id?: number })[]): number[] {
    const ids: number[] = [];
    for (const u of updates) {
      const update = { ...u, update_id: u.update_id ?? this.nextUpdateId++ } as TgUpdate;
      this.nextUpdateId = Math.max(this.nextUpdateId, update.update_id + 1);
      this.queue.push(update);
      ids.push(update.update_id);
    }
    this.queue.sort((a, b) => a.update_id - b.update_id);
    if (this.pendingPoll) this.tryAnswerPoll(this.pendingPoll);
    return ids;
  }

  /** Updates the bot has not confirmed yet (offset not past them). */
  get unconfirmed(): number {
    return this.queue.filter((u) => u.update_id >= this.confirmedOffset).length;
  }

  /** The next `count` calls of `method` fail as given (e.g. 429 with retry_after, 500, destroy). */
  failNext(method: string, count: number, fault: Partial<Fault> = {}): void {
    const list = this.faults.get(method) ?? [];
    for (let i = 0; i < count; i++) {
      list.push({
        status: fault.status ?? 500,
        description: fault.description ?? 'Internal Server Error',
        ...fault,
      });
    }
    this.faults.set(method, list);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200);
  }

  /** Texts of successful sendMessage calls to one chat, in order. */
  repliesTo(chatId: number): string[] {
    return this.callsOf('sendMessage')
      .filter((c) => Number(c.payload.chat_id) === chatId)
      .map((c) => String(c.payload.text));
  }

  /** Resolves when `predicate` holds (checked on every call), rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeBotApi: timed out waiting for ${what}`));
      }, timeoutMs);
      const interval = setInterval(check, 50);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(interval);
        this.off('call', check);
      };
      this.on('call', check);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    const body = await readBody(req);
    if (!match) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    if (token !== this.token)
      return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const payload = parsePayload(body, req.headers['content-type']);
    if (this.latencyMs > 0 && method !== 'getUpdates') await delay(this.latencyMs);
    if (this.stalledChats.has(Number(payload.chat_id))) {
      this.stalled++;
      return;
    }
    const chatDelay = this.chatLatencyMs.get(Number(payload.chat_id));
    if (chatDelay) await delay(chatDelay);

    const fault = this.faults.get(method)?.shift();
    if (fault?.destroy) {
      this.record(method, payload, 0);
      req.socket.destroy();
      return;
    }
    if (fault) {
      this.record(method, payload, fault.status);
      return send(res, fault.status, {
        ok: false,
        error_code: fault.status,
        description: fault.description,
        ...(fault.retryAfter !== undefined
          ? { parameters: { retry_after: fault.retryAfter } }
          : {}),
      });
    }
    if (method === 'getUpdates') return this.getUpdates(payload, res);

    const flood = this.floodCheck(method, payload);
    if (flood) {
      this.record(method, payload, 429);
      return send(res, 429, {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${flood}`,
        parameters: { retry_after: flood },
      });
    }
    if (method === 'sendMessage' && this.blockedChats.has(Number(payload.chat_id))) {
      this.record(method, payload, 403);
      return send(res, 403, {
        ok: false,
        error_code: 403,
        description: 'Forbidden: bot was blocked by the user',
      });
    }
    const result = this.execute(method, payload);
    this.record(method, payload, 200);
    send(res, 200, { ok: true, result });
  }

  private execute(method: string, payload: Record<string, any>): unknown {
    switch (method) {
      case 'getMe':
        return {
          id: 999,
          is_bot: true,
          first_name: 'Test Bot',
          username: 'test_bot',
          can_join_groups: true,
        };
      case 'sendMessage':
        return this.message(payload);
      case 'editMessageText':
        return { ...this.message(payload), message_id: Number(payload.message_id) };
      case 'setWebhook':
        this.webhook = {
          url: payload.url,
          secret_token: payload.secret_token,
          max_connections: payload.max_connections,
          allowed_updates: payload.allowed_updates,
        };
        return true;
      case 'deleteWebhook':
        this.webhook = null;
        return true;
      case 'getWebhookInfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.unconfirmed,
        };
      default:
        return true;
    }
  }

  private message(payload: Record<string, any>): TgMessage {
    const chatId = Number(payload.chat_id);
    return {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
      from: { id: 999, is_bot: true, first_name: 'Test Bot', username: 'test_bot' },
      text: payload.text,
    };
  }

  private getUpdates(payload: Record<string, any>, res: ServerResponse): void {
    const offset = Number(payload.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(payload.limit ?? 100)));
    const timeout = Number(payload.timeout ?? 0);
    if (payload.allowed_updates !== undefined) this.allowedUpdates = payload.allowed_updates;
    this.polls.push({ offset, limit, timeout, allowed_updates: payload.allowed_updates });
    this.record('getUpdates', payload, 200);
    if (this.webhook) {
      return send(res, 409, {
        ok: false,
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });
    }
    if (this.pendingPoll) {
      // Telegram terminates the older request when a newer one arrives.
      const old = this.pendingPoll;
      this.pendingPoll = undefined;
      clearTimeout(old.timer);
      send(old.res, 409, {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
    }
    if (offset > 0) {
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
      this.queue = this.queue.filter((u) => u.update_id >= offset);
    }
    const poll: PendingPoll = {
      res,
      offset,
      limit,
      timer: setTimeout(() => this.answerPoll(poll, []), timeout * 1000),
    };
    this.pendingPoll = poll;
    res.on('close', () => {
      if (this.pendingPoll === poll) {
        clearTimeout(poll.timer);
        this.pendingPoll = undefined;
      }
    });
    this.tryAnswerPoll(poll);
  }

  private tryAnswerPoll(poll: PendingPoll): void {
    const available = this.queue.filter(
      (u) =>
        u.update_id >= poll.offset &&
        (this.allowedUpdates.length === 0 || this.allowedUpdates.some((k) => k in u)),
    );
    if (available.length > 0) this.answerPoll(poll, available.slice(0, poll.limit));
  }

  private answerPoll(poll: PendingPoll, updates: TgUpdate[]): void {
    clearTimeout(poll.timer);
    if (this.pendingPoll === poll) this.pendingPoll = undefined;
    if (!poll.res.writableEnded) send(poll.res, 200, { ok: true, result: updates });
  }

  /** Telegram-like flood control: returns retry_after seconds when a send is over the limit. */
  private floodCheck(method: string, payload: Record<string, any>): number | undefined {
    if (!this.floodLimits || !['sendMessage', 'editMessageText'].includes(method)) return undefined;
    const now = Date.now();
    const chat = Number(payload.chat_id);
    this.sendLog = this.sendLog.filter((s) => now - s.at < 1000);
    const perChat = this.sendLog.filter((s) => s.chat === chat).length;
    if (
      this.sendLog.length >= this.floodLimits.globalPerSecond ||
      perChat >= this.floodLimits.chatPerSecond
    ) {
      return 1;
    }
    this.sendLog.push({ at: now, chat });
    return undefined;
  }

  /**
   * Delivers updates to the registered webhook like Telegram: POST with the secret header, spread
   * round-robin over `targets` (replicas behind a load balancer, given as base URLs), re-sent to the
   * next target on any non-200. Returns the HTTP statuses of every attempt.
   */
  async deliverWebhook(
    updates: (Omit<TgUpdate, 'update_id'> & { update_id?: number })[],
    targets: string[],
    options: { concurrency?: number; secret?: string; maxAttempts?: number } = {},
  ): Promise<number[]> {
    if (!this.webhook) throw new Error('FakeBotApi: no webhook registered');
    const path = new URL(this.webhook.url).pathname;
    const secret = options.secret ?? this.webhook.secret_token;
    const statuses: number[] = [];
    const queue = updates.map((u) => ({ ...u, update_id: u.update_id ?? this.nextUpdateId++ }));
    let next = 0;
    let turn = 0;
    const worker = async () => {
      while (next < queue.length) {
        const update = queue[next++];
        for (let attempt = 0; attempt < (options.maxAttempts ?? 5); attempt++) {
          const target = targets[turn++ % targets.length];
          const res = await fetch(`${target}${path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
            },
            body: JSON.stringify(update),
          }).catch(() => undefined);
          statuses.push(res?.status ?? 0);
          await res?.arrayBuffer();
          if (res?.status === 200) break;
          await delay(50);
        }
      }
    };
    await Promise.all(
      Array.from({ length: options.concurrency ?? this.webhook.max_connections ?? 40 }, worker),
    );
    return statuses;
  }

  private record(method: string, payload: Record<string, any>, status: number): void {
    this.calls.push({ method, payload, at: Date.now(), status });
    this.emit('call', method);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parsePayload(body: string, contentType = ''): Record<string, any> {
  if (!body) return {};
  if (contentType.includes('application/json')) return JSON.parse(body);
  const params = new URLSearchParams(body);
  const out: Record<string, any> = {};
  for (const [key, value] of params) {
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
