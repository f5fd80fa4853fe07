import { BotApiEmulator, type Interception } from '../../src/sandbox/emulator/bot-api.emulator';
import type { NewUpdate } from '../../src/sandbox/emulator/telegram.types';
import { BotApiError } from '../../src/sandbox/emulator/wire';

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

/**
 * The sandbox's Bot API emulator set up for tests, plus what tests need to look inside and to break
 * it: every call recorded, fault switches (429 with retry_after, 5xx, dropped connections,
 * latency, stalled chats), and webhook delivery. Unlike the sandbox it is lenient (it accepts the
 * chats and messages of raw pushed updates) and has no flood limits until a test sets
 * `floodLimits`.
 */
export class FakeBotApi extends BotApiEmulator {
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

  private faults = new Map<string, Fault[]>();

  constructor(token = '123456:TEST-token-abcdefghijklmnopqrstuvwxyz') {
    super({
      token,
      bot: { id: 999, first_name: 'Test Bot', username: 'test_bot' },
      floodLimits: null,
      lenient: true,
      firstUpdateId: 1000,
    });
  }

  /** The last allowed_updates a poll set. */
  get allowedUpdates(): string[] {
    return this.updates.allowedUpdates;
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

  /** Ends the faults still queued for `method`. */
  clearFaults(method: string): void {
    this.faults.delete(method);
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

  /**
   * Delivers updates to the registered webhook like Telegram: POST with the secret header, spread
   * round-robin over `targets` (replicas behind a load balancer, given as base URLs), re-sent to the
   * next target on any non-200. Returns the HTTP statuses of every attempt.
   */
  async deliverWebhook(
    updates: NewUpdate[],
    targets: string[],
    options: { concurrency?: number; secret?: string; maxAttempts?: number } = {},
  ): Promise<number[]> {
    if (!this.webhook) throw new Error('FakeBotApi: no webhook registered');
    const path = new URL(this.webhook.url).pathname;
    const secret = options.secret ?? this.webhook.secret_token;
    const statuses: number[] = [];
    const queue = updates.map((u) => ({
      ...u,
      update_id: u.update_id ?? this.updates.allocateId(),
    }));
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

  protected override async intercept(
    method: string,
    payload: Record<string, any>,
  ): Promise<Interception | undefined> {
    if (this.latencyMs > 0 && method !== 'getUpdates') await delay(this.latencyMs);
    const chatId = Number(payload.chat_id);
    if (this.stalledChats.has(chatId)) {
      this.stalled++;
      return 'stall';
    }
    const chatDelay = this.chatLatencyMs.get(chatId);
    if (chatDelay) await delay(chatDelay);
    const fault = this.faults.get(method)?.shift();
    if (!fault) return undefined;
    if (fault.destroy) {
      this.record(method, payload, 0);
      return 'drop';
    }
    this.record(method, payload, fault.status);
    return { error: new BotApiError(fault.status, fault.description, fault.retryAfter) };
  }

  protected override onCall(method: string, payload: Record<string, any>, status: number): void {
    if (method === 'getUpdates') {
      this.polls.push({
        offset: Number(payload.offset ?? 0),
        limit: Math.min(100, Math.max(1, Number(payload.limit ?? 100))),
        timeout: Number(payload.timeout ?? 0),
        allowed_updates: payload.allowed_updates,
      });
    }
    this.record(method, payload, status);
  }

  private record(method: string, payload: Record<string, any>, status: number): void {
    this.calls.push({ method, payload, at: Date.now(), status });
    this.emit('call', method);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
