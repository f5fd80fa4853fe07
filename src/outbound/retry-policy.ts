/**
 * How a failed Bot API call is treated. The rule that matters: a call that may have been executed by
 * Telegram is retried only when executing it twice is harmless (never a second sendMessage).
 */
export type CallFailure =
  /** 429: Telegram refused (not executed); wait `retryAfterSec`, then retry any method. */
  | { kind: 'flood'; retryAfterSec: number }
  /** 403: bot blocked, kicked or user deactivated; never retried. */
  | { kind: 'blocked' }
  /**
   * 5xx answer: Telegram itself answers 5xx before executing, but a 502/504 from a proxy in between
   * may come after Telegram executed the call: retry idempotent methods only, like `unknown`.
   */
  | { kind: 'server' }
  /** The request never reached Telegram (refused, DNS, unreachable); retry any method. */
  | { kind: 'not-sent' }
  /** Timeout or connection lost after sending: it may have been executed; retry idempotent methods only. */
  | { kind: 'unknown' }
  /** Any other answer (400 bad request, 401, 404…): retrying cannot help. */
  | { kind: 'rejected' };

/** Socket errors raised before a single byte of the request could reach the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);

/**
 * Methods whose second execution changes nothing visible (an edit to the same text, a re-answer,
 * a setting set again). Every `get*` method is idempotent too.
 */
const IDEMPOTENT = new Set([
  'answerCallbackQuery',
  'answerInlineQuery',
  'editMessageText',
  'editMessageCaption',
  'editMessageMedia',
  'editMessageReplyMarkup',
  'deleteMessage',
  'deleteMessages',
  'sendChatAction',
  'setMyCommands',
  'deleteMyCommands',
  'setWebhook',
  'deleteWebhook',
  'setMyName',
  'setMyDescription',
  'setMyShortDescription',
  'setMyDefaultAdministratorRights',
  'setChatMenuButton',
  'pinChatMessage',
  'unpinChatMessage',
  'setMessageReaction',
]);

export function isIdempotent(method: string): boolean {
  return method.startsWith('get') || IDEMPOTENT.has(method);
}

/** Classifies an error thrown by `callApi` (TelegramError, node:http network errors, AbortError). */
export function classifyFailure(error: unknown): CallFailure {
  const e = error as {
    response?: { error_code?: number; parameters?: { retry_after?: number } };
    code?: unknown;
    syscall?: unknown;
    name?: string;
  };
  const status = e?.response?.error_code;
  if (typeof status === 'number') {
    if (status === 429)
      return { kind: 'flood', retryAfterSec: e.response?.parameters?.retry_after ?? 1 };
    if (status === 403) return { kind: 'blocked' };
    if (status >= 500) return { kind: 'server' };
    return { kind: 'rejected' };
  }
  if (typeof e?.code === 'string' && NOT_SENT_CODES.has(e.code)) return { kind: 'not-sent' };
  // A connection that never opened (the OS's or the client's connect deadline) carried no request.
  if (e?.code === 'ETIMEDOUT' && e.syscall === 'connect') return { kind: 'not-sent' };
  return { kind: 'unknown' };
}

/** Whether a failure of `method` may be retried at all (attempt limits are the caller's). */
export function isRetryable(failure: CallFailure, method: string): boolean {
  switch (failure.kind) {
    case 'flood':
    case 'not-sent':
      return true;
    case 'server':
    case 'unknown':
      return isIdempotent(method);
    default:
      return false;
  }
}

/** Telegraf's error for a 403 (bot blocked by the user, kicked, user deactivated). */
export function isBlockedError(error: unknown): boolean {
  return classifyFailure(error).kind === 'blocked';
}
