/** Telegram's limits on what a bot sends; a limit left out is not enforced. */
export interface FloodLimits {
  /** Messages per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Messages per second into one chat (Telegram: 1, short bursts tolerated). */
  chatPerSecond: number;
  /** Messages per minute into one group (Telegram: 20). */
  groupPerMinute?: number;
}

export const TELEGRAM_FLOOD_LIMITS: FloodLimits = {
  globalPerSecond: 30,
  chatPerSecond: 1,
  groupPerMinute: 20,
};

/**
 * Sliding-window flood control like Telegram's: a send over a limit is refused (and not counted)
 * with the whole seconds until the window has room again, as Telegram's `retry_after` says.
 */
export class FloodControl {
  private global: number[] = [];
  private readonly perChat = new Map<number, number[]>();

  constructor(private readonly limits: () => FloodLimits | null) {}

  /** Counts a send to `chatId` and returns undefined, or returns retry_after seconds. */
  admit(chatId: number, isGroup: boolean, now = Date.now()): number | undefined {
    const limits = this.limits();
    if (!limits) return undefined;
    this.global = this.global.filter((at) => now - at < 1000);
    const chat = (this.perChat.get(chatId) ?? []).filter((at) => now - at < 60_000);
    const lastSecond = chat.filter((at) => now - at < 1000);
    const waits: number[] = [];
    if (this.global.length >= limits.globalPerSecond) waits.push(this.global[0] + 1000 - now);
    if (lastSecond.length >= limits.chatPerSecond) waits.push(lastSecond[0] + 1000 - now);
    if (isGroup && limits.groupPerMinute !== undefined && chat.length >= limits.groupPerMinute)
      waits.push(chat[chat.length - limits.groupPerMinute] + 60_000 - now);
    if (waits.length > 0) {
      this.perChat.set(chatId, chat);
      return Math.max(1, Math.ceil(Math.max(...waits) / 1000));
    }
    this.global.push(now);
    chat.push(now);
    this.perChat.set(chatId, chat);
    return undefined;
  }
}
