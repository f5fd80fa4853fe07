import { deriveWebhookSecret } from '../config/webhook-secret';
import { configuredSecrets, scrubSecrets } from './secrets';

describe('scrubSecrets', () => {
  const env = {
    TELEGRAM_BOT_TOKEN: '123456:AAE-secret_token-abcdefghijklmn',
    WEBHOOK_SECRET: 'webhook-secret-value',
    METRICS_TOKEN: 'metrics-token-0123456789',
    DATABASE_URL: 'postgres://bot:p%40ss%22w0rd%5C@db.internal:5432/bot',
    REDIS_URL: 'redis://:redis-pass-123@cache:6379',
  };
  const secrets = configuredSecrets(env);

  it('collects the token, webhook secret, metrics token and URL passwords (both spellings)', () => {
    expect(secrets).toEqual(
      expect.arrayContaining([
        env.TELEGRAM_BOT_TOKEN,
        env.WEBHOOK_SECRET,
        env.METRICS_TOKEN,
        'p%40ss%22w0rd%5C',
        'p@ss"w0rd\\',
        'redis-pass-123',
      ]),
    );
  });

  it('removes the bot token, also inside an API URL and without its numeric id', () => {
    const line = `GET https://api.telegram.org/bot${env.TELEGRAM_BOT_TOKEN}/getMe; tail AAE-secret_token-abcdefghijklmn`;
    const out = scrubSecrets(line, secrets);
    expect(out).toBe('GET https://api.telegram.org/bot***/getMe; tail ***');
  });

  it('removes the DATABASE_URL password as written and as decoded, also JSON-escaped', () => {
    const line = JSON.stringify({
      url: env.DATABASE_URL,
      err: 'password authentication failed for "p@ss"w0rd\\"',
    });
    const out = scrubSecrets(line, secrets);
    expect(out).not.toContain('p%40ss');
    expect(out).not.toContain('w0rd');
    expect(out).toContain('postgres://bot:***@db.internal:5432/bot');
  });

  it('removes the webhook secret and the metrics token', () => {
    const out = scrubSecrets(
      `expected ${env.WEBHOOK_SECRET}, header Bearer ${env.METRICS_TOKEN}`,
      secrets,
    );
    expect(out).toBe('expected ***, header Bearer ***');
  });

  it('leaves text without secrets untouched', () => {
    expect(scrubSecrets('update 42 handled in 3 ms', secrets)).toBe('update 42 handled in 3 ms');
  });

  it('removes the secret derived for the webhook when WEBHOOK_SECRET is unset', () => {
    const derived = deriveWebhookSecret(env.TELEGRAM_BOT_TOKEN);
    const only = configuredSecrets({ TELEGRAM_BOT_TOKEN: env.TELEGRAM_BOT_TOKEN });
    expect(scrubSecrets(`secret_token=${derived}`, only)).toBe('secret_token=***');
  });

  it('removes secrets of any length, a short one where it stands alone', () => {
    const short = configuredSecrets({ DATABASE_URL: 'postgres://bot:pw@db:5432/bot' });
    expect(scrubSecrets('auth failed for "pw" (pwd unchanged)', short)).toBe(
      'auth failed for "***" (pwd unchanged)',
    );
  });
});
