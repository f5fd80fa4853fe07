import Denque from 'denque';
import type { BudgetState } from './outbound-gate';
import { SlidingWindow } from './sliding-window';
import { TokenBucket } from './token-bucket';

export type OutboundLane = 'interactive' | 'broadcast';
export const LANES: readonly OutboundLane[] = ['interactive', 'broadcast'];

export interface GovernorOptions {
  /** Sustained calls per second for the whole bot (Telegram: about 30 messages/s). */
  globalPerSecond: number;
  /**
   * Global burst: lets the sender catch up after event-loop lag instead of losing that time.
   * Default: 10 ms worth of calls, at least 3 (3 at Telegram's 30/s). Fewer than a millisecond's
   * worth would cap a high rate at a few calls per tick of the millisecond clock. A sliding window
   * caps it: never more than globalPerSecond calls within any 1 s + `globalWindowMarginMs`
   * (default 50 ms, for network jitter on the way to Telegram).
   */
  globalBurst?: number;
  globalWindowMarginMs?: number;
  /** Sends per second to one private chat (Telegram: about 1/s, short bursts tolerated). */
  chatPerSecond: number;
  chatBurst?: number;
  /** Sends per minute to one group or channel (negative chat id or @username; Telegram: 20/min). */
  groupPerMinute: number;
  groupBurst?: number;
  /** Chats kept before idle buckets are swept (amortised: the sweep runs on insert, never on a timer). */
  sweepThreshold?: number;
  /** 429s from this many different chats within `floodWindowMs` mean a bot-wide flood limit. */
  globalFloodChats?: number;
  floodWindowMs?: number;
  now?: () => number;
}

/** Raised for calls still waiting when the governor is closed (application shutdown). */
export class OutboundClosedError extends Error {
  constructor() {
    super('outbound sender is shut down; the call was not sent');
    this.name = 'OutboundClosedError';
  }
}

interface ChatState {
  readonly bucket: TokenBucket;
  pausedUntil: number;
  /** Calls for this chat waiting for its token or pause (in order). */
  readonly waiting: Denque<Ticket>;
  timer?: NodeJS.Timeout;
}

interface Ticket {
  readonly lane: OutboundLane;
  readonly chat?: ChatState;
  resolve(): void;
  reject(error: Error): void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Decides when each Bot API call may go out: a global token bucket, one bucket per chat (private
 * chats per second, groups per minute), pauses after 429s (per chat or bot-wide), and two lanes
 * where interactive calls always go before queued broadcast calls.
 *
 * Fast path: when the chat bucket and the global bucket have tokens and nothing is queued ahead,
 * `acquire` returns an already resolved promise without allocating a timer or a queue entry.
 */
export class OutboundGovernor {
  private readonly now: () => number;
  private readonly global: TokenBucket;
  private readonly globalWindow: SlidingWindow;
  private readonly chats = new Map<string, ChatState>();
  /** Calls past their chat gate, waiting only for a global token (or a bot-wide pause). */
  private readonly ready: Record<OutboundLane, Denque<Ticket>> = {
    interactive: new Denque(),
    broadcast: new Denque(),
  };
  private readonly pending: Record<OutboundLane, number> = { interactive: 0, broadcast: 0 };
  private pausedUntil = 0;
  private pumpTimer?: NodeJS.Timeout;
  private sweepAt: number;
  private readonly recentFloods: { at: number; chat: string }[] = [];
  private closed = false;

  constructor(private readonly options: GovernorOptions) {
    this.now = options.now ?? Date.now;
    const globalBurst =
      options.globalBurst ?? Math.max(3, Math.ceil(options.globalPerSecond / 100));
    this.global = new TokenBucket(globalBurst, options.globalPerSecond, this.now());
    this.globalWindow = new SlidingWindow(
      options.globalPerSecond,
      1000 + (options.globalWindowMarginMs ?? 50),
    );
    this.sweepAt = this.sweepThreshold;
  }

  /** Calls queued (not yet released) on `lane`. */
  queued(lane: OutboundLane): number {
    return this.pending[lane];
  }

  /** Chats with a bucket in memory (bounded by the idle sweep). */
  trackedChats(): number {
    return this.chats.size;
  }

  /**
   * A call released at `releasedAt` went out only at `sentAt` (something had to happen in
   * between, see CallOptions.beforeSend): the global window counts it then, so delays that bunch
   * calls together cannot push Telegram's count of a second over the limit.
   */
  sentLate(releasedAt: number, sentAt: number): void {
    this.globalWindow.moveLater(releasedAt, sentAt);
  }

  /** This budget counts this process's sends only. */
  budget(): BudgetState {
    return { mode: 'local', replicas: 1 };
  }

  /** Milliseconds left of the bot-wide pause (0: none). */
  globalPauseMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /**
   * Resolves when a call may be sent now. `chatId` undefined: no chat bucket (e.g. answerCallbackQuery).
   * `retry`: the call was already queued once (after a 429 or an error), so it goes first in its chat.
   */
  acquire(chatId: string | number | undefined, lane: OutboundLane, retry = false): Promise<void> {
    if (this.closed) return Promise.reject(new OutboundClosedError());
    const now = this.now();
    const chat = chatId === undefined ? undefined : this.chatState(String(chatId), now);
    const chatReady =
      !chat || (chat.waiting.length === 0 && chat.pausedUntil <= now && chat.bucket.tryTake(now));
    if (chatReady && this.tryGlobal(lane, now)) return RESOLVED;

    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { lane, chat, resolve, reject };
      this.pending[lane]++;
      const settle = () => this.pending[lane]--;
      ticket.resolve = () => (settle(), resolve());
      ticket.reject = (error) => (settle(), reject(error));
      if (chatReady) {
        this.enqueueReady(ticket, retry, now);
      } else {
        if (retry) chat.waiting.unshift(ticket);
        else chat.waiting.push(ticket);
        this.scheduleChat(chat, now);
      }
    });
  }

  /**
   * Records a 429 and pauses accordingly. Returns the scope of the pause: `chat` for that chat only,
   * or `global` when the call had no chat or 429s came from several chats at once (a bot-wide limit).
   */
  reportFlood(chatId: string | number | undefined, retryAfterMs: number): 'chat' | 'global' {
    const now = this.now();
    if (chatId === undefined || this.looksGlobal(String(chatId), now)) {
      this.pauseAll(retryAfterMs);
      return 'global';
    }
    const chat = this.chatState(String(chatId), now);
    chat.pausedUntil = Math.max(chat.pausedUntil, now + retryAfterMs);
    return 'chat';
  }

  /** Pauses every call for `ms` (calls already on the wire are not affected). */
  pauseAll(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** Rejects every waiting call and stops all timers (application shutdown). */
  close(): void {
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const error = new OutboundClosedError();
    for (const lane of LANES) for (const ticket of drain(this.ready[lane])) ticket.reject(error);
    for (const chat of this.chats.values()) {
      if (chat.timer) clearTimeout(chat.timer);
      chat.timer = undefined;
      for (const ticket of drain(chat.waiting)) ticket.reject(error);
    }
    this.chats.clear();
  }

  private tryGlobal(lane: OutboundLane, now: number): boolean {
    const ahead =
      this.ready.interactive.length > 0 ||
      (lane === 'broadcast' && this.ready.broadcast.length > 0);
    return !ahead && this.pausedUntil <= now && this.takeGlobal(now);
  }

  /** Takes a global token if both the bucket and the sliding window allow one now. */
  private takeGlobal(now: number): boolean {
    if (this.globalWindow.msUntilFree(now) > 0 || !this.global.tryTake(now)) return false;
    this.globalWindow.record(now);
    return true;
  }

  private msUntilGlobal(now: number): number {
    return Math.max(
      this.pausedUntil - now,
      this.global.msUntilToken(now),
      this.globalWindow.msUntilFree(now),
      0,
    );
  }

  private enqueueReady(ticket: Ticket, retry: boolean, now: number): void {
    if (retry) this.ready[ticket.lane].unshift(ticket);
    else this.ready[ticket.lane].push(ticket);
    this.schedulePump(now);
  }

  private schedulePump(now: number): void {
    if (this.pumpTimer || this.closed) return;
    this.pumpTimer = setTimeout(() => this.pump(), this.msUntilGlobal(now));
  }

  /** Releases ready calls, interactive first, as global tokens allow. */
  private pump(): void {
    this.pumpTimer = undefined;
    const now = this.now();
    for (;;) {
      const queue =
        this.ready.interactive.length > 0 ? this.ready.interactive : this.ready.broadcast;
      const ticket = queue.peekFront();
      if (!ticket) return;
      if (ticket.chat && ticket.chat.pausedUntil > now) {
        // Its chat was paused by a 429 after this call passed the chat gate: wait with the chat.
        queue.shift();
        ticket.chat.waiting.unshift(ticket);
        this.scheduleChat(ticket.chat, now);
        continue;
      }
      if (this.pausedUntil > now || !this.takeGlobal(now)) return this.schedulePump(now);
      queue.shift();
      ticket.resolve();
    }
  }

  private scheduleChat(chat: ChatState, now: number): void {
    if (chat.timer || this.closed) return;
    const wait = Math.max(chat.pausedUntil - now, chat.bucket.msUntilToken(now), 0);
    chat.timer = setTimeout(() => this.releaseChat(chat), wait);
  }

  /** Moves a chat's waiting calls to the ready lanes as its bucket allows. */
  private releaseChat(chat: ChatState): void {
    chat.timer = undefined;
    const now = this.now();
    while (chat.waiting.length > 0 && chat.pausedUntil <= now && chat.bucket.tryTake(now)) {
      const ticket = chat.waiting.shift()!;
      if (this.tryGlobal(ticket.lane, now)) ticket.resolve();
      else this.enqueueReady(ticket, false, now);
    }
    if (chat.waiting.length > 0) this.scheduleChat(chat, now);
  }

  private chatState(key: string, now: number): ChatState {
    let chat = this.chats.get(key);
    if (chat) return chat;
    if (this.chats.size >= this.sweepAt) this.sweep(now);
    const group = key.startsWith('-') || key.startsWith('@');
    const bucket = group
      ? new TokenBucket(this.options.groupBurst ?? 3, this.options.groupPerMinute / 60, now)
      : new TokenBucket(this.options.chatBurst ?? 3, this.options.chatPerSecond, now);
    chat = { bucket, pausedUntil: 0, waiting: new Denque() };
    this.chats.set(key, chat);
    return chat;
  }

  /** Forgets chats whose bucket is full again and that wait for nothing: lossless eviction. */
  private sweep(now: number): void {
    for (const [key, chat] of this.chats) {
      const idle = chat.waiting.length === 0 && !chat.timer && chat.pausedUntil <= now;
      if (idle && chat.bucket.isFull(now)) this.chats.delete(key);
    }
    this.sweepAt = Math.max(this.sweepThreshold, this.chats.size * 2);
  }

  private get sweepThreshold(): number {
    return this.options.sweepThreshold ?? 1024;
  }

  private looksGlobal(chat: string, now: number): boolean {
    const window = this.options.floodWindowMs ?? 1000;
    const floods = this.recentFloods;
    while (floods.length > 0 && now - floods[0].at > window) floods.shift();
    if (floods.length >= 32) floods.shift();
    floods.push({ at: now, chat });
    const chats = new Set(floods.map((f) => f.chat));
    return chats.size >= (this.options.globalFloodChats ?? 3);
  }
}

/** Empties `queue` and returns what it held, oldest first. */
function drain<T>(queue: Denque<T>): T[] {
  const items = queue.toArray();
  queue.clear();
  return items;
}
