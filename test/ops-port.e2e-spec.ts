import type { AddressInfo } from 'node:net';
import { bootNotices } from '../src/config/boot-notices';
import { validateEnv } from '../src/config/env.validation';
import { OpsListener } from '../src/metrics/ops-listener';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';

const SECRET = 'ops-port-secret_0123456789abcdefghijklmnop';
const OPS_PATHS = [
  '/health',
  '/health/live',
  '/health/ready',
  '/performance',
  '/bot-optimization',
  '/db-status',
  '/metrics',
];

describe('operator endpoints on OPS_PORT', () => {
  let t: BotTestContext;
  let publicUrl: string;
  let opsUrl: string;

  beforeAll(async () => {
    t = await startBotApp({
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/hook',
      WEBHOOK_SECRET: SECRET,
      OPS_PORT: '0',
    });
    await t.api.waitFor(() => t.api.webhook !== null, 10_000, 'setWebhook');
    publicUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    opsUrl = `http://127.0.0.1:${t.app.get(OpsListener).port}`;
  });
  afterAll(() => t.close());

  it('serves every operator endpoint on the ops port and none on the public port', async () => {
    for (const path of OPS_PATHS) {
      const onOps = await fetch(`${opsUrl}${path}`);
      const onPublic = await fetch(`${publicUrl}${path}`);
      expect([path, onOps.status, onPublic.status]).toEqual([path, 200, 404]);
    }
  });

  it('takes the webhook on the public port only', async () => {
    const post = (base: string, updateId: number) =>
      fetch(`${base}/hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
        body: JSON.stringify({ update_id: updateId, ...textMessage(96_001, `via ${base}`) }),
      });

    expect((await post(opsUrl, 96_100)).status).toBe(404);
    expect((await post(publicUrl, 96_101)).status).toBe(200);
    await t.api.waitFor(() => t.api.repliesTo(96_001).length === 1, 10_000, 'the reply');
  });

  it('sends security headers and no X-Powered-By on both listeners', async () => {
    for (const url of [`${opsUrl}/health/live`, `${publicUrl}/nothing-here`, `${publicUrl}/hook`]) {
      const res = await fetch(url);
      expect([url, res.headers.get('x-powered-by')]).toEqual([url, null]);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });
});

describe('operator endpoints without OPS_PORT', () => {
  let t: BotTestContext;
  let url: string;

  beforeAll(async () => {
    t = await startBotApp();
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it('stay on PORT, as before', async () => {
    for (const path of OPS_PATHS)
      expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 200]);
    expect((await fetch(url + '/health')).headers.get('x-powered-by')).toBeNull();
  });

  it('are announced at boot as open to anyone when neither OPS_PORT nor METRICS_TOKEN is set', () => {
    const env = (extra: Record<string, string>) =>
      validateEnv({ TELEGRAM_BOT_TOKEN: TEST_TOKEN, HOST: '0.0.0.0', ...extra });
    const warnings = (extra: Record<string, string>) =>
      bootNotices(env(extra)).filter((n) => n.level === 'warn');

    expect(warnings({})).toEqual([
      { level: 'warn', message: expect.stringContaining('set OPS_PORT') },
    ]);
    expect(warnings({ OPS_PORT: '9090' })).toEqual([]);
    expect(warnings({ HOST: '127.0.0.1' })).toEqual([]);
    expect(warnings({ METRICS_TOKEN: 'm'.repeat(32) })).toEqual([]);
  });

  it('says at boot when the webhook secret is derived from the token', () => {
    const env = validateEnv({
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/hook',
      OPS_PORT: '9090',
    });
    expect(bootNotices(env)).toEqual([
      {
        level: 'log',
        message: expect.stringContaining('WEBHOOK_SECRET is unset: using a secret derived'),
      },
    ]);
    expect(JSON.stringify(bootNotices(env))).not.toContain(TEST_TOKEN.split(':')[1]);
  });
});
