import { spawnApp } from './support/app-process';

describe('configuration at boot', () => {
  it('exits 1 naming TELEGRAM_BOT_TOKEN when it is missing', async () => {
    const app = spawnApp({});
    await expect(app.exited).resolves.toBe(1);
    expect(app.output()).toContain('TELEGRAM_BOT_TOKEN is required');
  });

  it('names every bad variable at once and never prints the token', async () => {
    const app = spawnApp({
      TELEGRAM_BOT_TOKEN: 'not-a-token-SECRETVALUE',
      PORT: 'abc',
      RATE_LIMIT: '-3',
      BOT_MODE: 'foo',
      DATABASE_URL: 'mysql://root:hunter2@localhost/db',
    });
    await expect(app.exited).resolves.toBe(1);
    const output = app.output();
    for (const name of ['TELEGRAM_BOT_TOKEN', 'PORT', 'RATE_LIMIT', 'BOT_MODE', 'DATABASE_URL']) {
      expect(output).toContain(name);
    }
    expect(output).not.toContain('SECRETVALUE');
    expect(output).not.toContain('hunter2');
    expect(output.trim().split('\n')).toHaveLength(1);
  });

  it('requires the webhook URL in webhook mode', async () => {
    const app = spawnApp({ TELEGRAM_BOT_TOKEN: '1:abc', BOT_MODE: 'webhook' });
    await expect(app.exited).resolves.toBe(1);
    expect(app.output()).toContain('WEBHOOK_URL is required when BOT_MODE=webhook');
  });

  it('refuses a one-character webhook secret and says how to generate a strong one', async () => {
    const app = spawnApp({
      TELEGRAM_BOT_TOKEN: '1:abc',
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/hook',
      WEBHOOK_SECRET: 'a',
    });
    await expect(app.exited).resolves.toBe(1);
    expect(app.output()).toContain('WEBHOOK_SECRET must be 32-256 characters');
    expect(app.output()).toContain('openssl rand -hex 32');
  });
});
