/**
 * Every Redis key of this service starts with `tgbot:<bot id>:`, the bot id being the numeric part
 * of the token (never the token itself), so several bots can share one Redis without dropping or
 * counting each other's updates.
 */
export function botKeyPrefix(botId: number): string {
  return `tgbot:${botId}:`;
}

/** A key of this bot: `tgbot:<bot id>:<part>:<part>…`. */
export function redisKey(botId: number, ...parts: (string | number)[]): string {
  return botKeyPrefix(botId) + parts.join(':');
}
