import { ConfigValidationError, validateEnv } from './env.validation';

const TOKEN = '123456:ABC-def_ghi';

describe('validateEnv', () => {
  it('applies the documented defaults', () => {
    const env = validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN });
    expect(env).toMatchObject({
      PORT: 5000,
      HOST: '0.0.0.0',
      BOT_MODE: 'polling',
      POLLING_TIMEOUT: 30,
      READ_LATENCY: 5,
      POLLING_LIMIT: 100,
      CACHE_TTL: 300,
      CACHE_MAX: 5000,
      RATE_LIMIT: 10,
      RATE_LIMIT_WINDOW: 60,
      BATCH_SIZE: 50,
      BATCH_FLUSH_INTERVAL_MS: 1000,
      DATA_DIR: './data',
      JOURNAL_FSYNC: 'always',
      SESSION_TTL_SEC: 604800,
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('reports every problem at once, by variable name, without values', () => {
    const attempt = () =>
      validateEnv({
        PORT: 'abc',
        RATE_LIMIT: '-3',
        BOT_MODE: 'foo',
        JOURNAL_FSYNC: 'sometimes',
        WEBHOOK_SECRET: 'has spaces secret!',
      });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (error) {
      const { problems, message } = error as ConfigValidationError;
      expect(problems.map((p) => p.split(' ')[0])).toEqual(
        expect.arrayContaining([
          'TELEGRAM_BOT_TOKEN',
          'PORT',
          'RATE_LIMIT',
          'BOT_MODE',
          'JOURNAL_FSYNC',
          'WEBHOOK_SECRET',
        ]),
      );
      expect(message).not.toContain('has spaces secret!');
    }
  });

  it("reads libuv's thread-pool size (default 4) and refuses one libuv would not use", () => {
    expect(validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN }).UV_THREADPOOL_SIZE).toBe(4);
    expect(
      validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, UV_THREADPOOL_SIZE: '16' }).UV_THREADPOOL_SIZE,
    ).toBe(16);
    for (const size of ['0', '1025', 'many']) {
      expect(() => validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, UV_THREADPOOL_SIZE: size })).toThrow(
        /UV_THREADPOOL_SIZE/,
      );
    }
  });

  it('treats empty strings as unset', () => {
    expect(validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, PORT: '', DATABASE_URL: '' }).PORT).toBe(5000);
  });

  it('accepts several admin ids and rejects non-numeric ones', () => {
    expect(
      validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, ADMIN_USER_ID: '1, 22,333' }).ADMIN_USER_ID,
    ).toBe('1, 22,333');
    expect(() => validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, ADMIN_USER_ID: '@admin' })).toThrow(
      /ADMIN_USER_ID/,
    );
  });

  it('requires a webhook URL in webhook mode; the secret may be left to derivation', () => {
    expect(() => validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, BOT_MODE: 'webhook' })).toThrow(
      /WEBHOOK_URL is required/,
    );
    expect(() =>
      validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, BOT_MODE: 'webhook', WEBHOOK_URL: 'https://x/h' }),
    ).not.toThrow();
  });

  it('refuses the polling lease without Redis, where it lives', () => {
    expect(() => validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, POLLING_LEASE: 'true' })).toThrow(
      /POLLING_LEASE needs REDIS_URL/,
    );
    expect(
      validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, POLLING_LEASE: 'true', REDIS_URL: 'redis://r:6379' })
        .POLLING_LEASE,
    ).toBe(true);
  });

  it('refuses a webhook secret shorter than 32 characters and says how to make one', () => {
    for (const weak of ['a', 'x'.repeat(31)]) {
      expect(() => validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, WEBHOOK_SECRET: weak })).toThrow(
        /WEBHOOK_SECRET must be 32-256 characters .*openssl rand -hex 32/,
      );
    }
    const strong = 'f'.repeat(64);
    expect(validateEnv({ TELEGRAM_BOT_TOKEN: TOKEN, WEBHOOK_SECRET: strong }).WEBHOOK_SECRET).toBe(
      strong,
    );
  });
});
