/** Telegram's limits on what a bot sends; a limit left out is not enforced. */
export interface FloodLimits {
  /** Messages per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Messages per second into one chat (Telegram: 1 on average). */
  chatPerSecond: number;
  /** Messages one chat may get at once before the per-second pace applies (default 1: none). */
  chatBurst?: number;
  /** Messages per minute into one group (Telegram: 20). */
  groupPerMinute?: number;
}

/**
 * Telegram documents about 30 messages/s overall, 1/s per chat ("short bursts may be allowed")
 * and 20/min per group; the burst of 3 is what the service's governor assumes, so a well-paced
 * bot sees no 429 and a faster one does.
 */
export const TELEGRAM_FLOOD_LIMITS: FloodLimits = {
  globalPerSecond: 30,
  chatPerSecond: 1,
  chatBurst: 3,
  groupPerMinute: 20,
};

/**
 * A send may arrive this much early on the per-chat pace: requests paced exactly at the limit by
 * the client reach the server with network jitter, and Telegram does not count in microseconds.
 */
const JITTER_MS = 50;

interface ChatBudget {
  tokens: number;
  at: number;
  /** Send times in the last minute (groups only). */
  recent: number[];
}

/**
 * Flood control like Telegram's: a send over a limit is refused (and not counted) with the whole
 * seconds until it would be admitted, as Telegram's `retry_after` says. Overall: a one-second
 * sliding window; per chat: a token bucket; per group: a one-minute sliding window.
 */
export class FloodControl {
  private global: number[] = [];
  private readonly chats = new Map<number, ChatBudget>();

  constructor(private readonly limits: () => FloodLimits | null) {}

  /** Counts a send to `chatId` and returns undefined, or returns retry_after seconds. */
  admit(chatId: number, isGroup: boolean, now = Date.now()): number | undefined {
    const limits = this.limits();
    if (!limits) return undefined;
    const burst = limits.chatBurst ?? 1;
    this.global = this.global.filter((at) => now - at < 1000);
    const chat = this.chats.get(chatId) ?? { tokens: burst, at: now, recent: [] };
    chat.tokens = Math.min(burst, chat.tokens + ((now - chat.at) / 1000) * limits.chatPerSecond);
    chat.at = now;
    chat.recent = chat.recent.filter((at) => now - at < 60_000);
    this.chats.set(chatId, chat);
    const waitsMs: number[] = [];
    if (this.global.length >= limits.globalPerSecond) waitsMs.push(this.global[0] + 1000 - now);
    const tolerance = (JITTER_MS / 1000) * limits.chatPerSecond;
    if (chat.tokens < 1 - tolerance)
      waitsMs.push(((1 - chat.tokens) / limits.chatPerSecond) * 1000);
    const perMinute = limits.groupPerMinute;
    if (isGroup && perMinute !== undefined && chat.recent.length >= perMinute)
      waitsMs.push(chat.recent[chat.recent.length - perMinute] + 60_000 - now);
    if (waitsMs.length > 0) return Math.max(1, Math.ceil(Math.max(...waitsMs) / 1000));
    this.global.push(now);
    chat.tokens = Math.max(0, chat.tokens - 1);
    if (isGroup) chat.recent.push(now);
    return undefined;
  }
}
