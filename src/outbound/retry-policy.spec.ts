import { classifyFailure, isRetryable } from './retry-policy';

const answer = (error_code: number, retry_after?: number) => ({
  response: {
    ok: false,
    error_code,
    description: 'x',
    parameters: retry_after ? { retry_after } : undefined,
  },
});

describe('retry policy', () => {
  it.each([
    ['a 429 answer', answer(429, 7), { kind: 'flood', retryAfterSec: 7 }],
    ['a 403 answer (bot blocked)', answer(403), { kind: 'blocked' }],
    ['a 502 answer', answer(502), { kind: 'server' }],
    ['a 400 answer', answer(400), { kind: 'rejected' }],
    ['a refused connection', { code: 'ECONNREFUSED' }, { kind: 'not-sent' }],
    ['a DNS failure', { code: 'EAI_AGAIN' }, { kind: 'not-sent' }],
    ['a connect timeout', { code: 'ETIMEDOUT', syscall: 'connect' }, { kind: 'not-sent' }],
    ['a read timeout', { code: 'ESOCKETTIMEDOUT' }, { kind: 'unknown' }],
    ['a reset connection', { code: 'ECONNRESET' }, { kind: 'unknown' }],
    ['a timeout (aborted request)', { name: 'AbortError', type: 'aborted' }, { kind: 'unknown' }],
  ])('classifies %s', (_, error, expected) => {
    expect(classifyFailure(error)).toEqual(expected);
  });

  it('retries a message only when Telegram provably did not execute it', () => {
    expect(isRetryable({ kind: 'flood', retryAfterSec: 1 }, 'sendMessage')).toBe(true);
    expect(isRetryable({ kind: 'server' }, 'sendMessage')).toBe(false);
    expect(isRetryable({ kind: 'not-sent' }, 'sendMessage')).toBe(true);
    expect(isRetryable({ kind: 'unknown' }, 'sendMessage')).toBe(false);
    expect(isRetryable({ kind: 'blocked' }, 'sendMessage')).toBe(false);
    expect(isRetryable({ kind: 'rejected' }, 'sendMessage')).toBe(false);
  });

  it('retries a 5xx only for methods that are safe to repeat', () => {
    for (const method of [
      'answerCallbackQuery',
      'getMe',
      'getUpdates',
      'setWebhook',
      'deleteWebhook',
      'setMyCommands',
      'editMessageText',
    ])
      expect([method, isRetryable({ kind: 'server' }, method)]).toEqual([method, true]);
    for (const method of ['sendMessage', 'copyMessage', 'forwardMessage', 'sendPhoto'])
      expect([method, isRetryable({ kind: 'server' }, method)]).toEqual([method, false]);
  });

  it('retries idempotent calls whose outcome is unknown', () => {
    expect(isRetryable({ kind: 'unknown' }, 'answerCallbackQuery')).toBe(true);
    expect(isRetryable({ kind: 'unknown' }, 'editMessageText')).toBe(true);
    expect(isRetryable({ kind: 'unknown' }, 'getChat')).toBe(true);
    expect(isRetryable({ kind: 'unknown' }, 'copyMessage')).toBe(false);
  });
});
