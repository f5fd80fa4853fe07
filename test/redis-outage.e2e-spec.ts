import { texts } from './support/texts';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, stopApp, type AppProcess } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { RedisServer } from './support/redis-server';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { freePort } from './support/free-port';

jest.setTimeout(90_000);

describe('a Redis outage', () => {
  let redis: RedisServer;
  let api: FakeBotApi;
  let db: TestDatabase;
  let app: AppProcess;
  let base: string;

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const connections = async () =>
    Object.values(JSON.parse((await get('/bot-optimization')).text).redis.connections);
  const readyRedis = async () => JSON.parse((await get('/health/ready')).text).details?.redis;
  /** Polls an endpoint until `condition` holds (the app reports Redis state only when asked). */
  const until = async (condition: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const sendFromUsers = async (from: number, count: number, label: string) => {
    for (let i = 0; i < count; i++) api.push(textMessage(from + i, `${label} ${i}`));
    await api.waitFor(
      () => Array.from({ length: count }, (_, i) => api.repliesTo(from + i).length).every(Boolean),
      20_000,
      `${count} replies (${label})`,
    );
  };

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawnApp({
      ...db.env,
      TELEGRAM_BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      POLLING_TIMEOUT: '1',
      BATCH_FLUSH_INTERVAL_MS: '50',
      RATE_LIMIT: '1000',
      OUTBOUND_CHAT_PER_SECOND: '1000',
      OUTBOUND_GLOBAL_PER_SECOND: '10000',
    });
    await until(async () => (await get('/health/ready').catch(() => null))?.status === 200, 'boot');
  });
  afterAll(async () => {
    try {
      await stopApp(app);
    } finally {
      await redis.stop();
      await api.stop();
      await db.drop();
    }
  });

  it('answers 20 users with Redis up and reports it connected', async () => {
    await sendFromUsers(71_000, 20, 'before');
    await expect(readyRedis()).resolves.toEqual({ status: 'up', connected: true, mode: 'shared' });
  });

  it('keeps running and answering while Redis is stopped, and says so on every ops surface', async () => {
    await redis.stop();
    await until(
      async () => (await connections()).every((c: any) => c.up === false),
      'both connections reported down',
    );

    await sendFromUsers(72_000, 20, 'during');

    expect(app.child.exitCode).toBeNull();
    expect(api.repliesTo(72_000)).toEqual([texts.saved]);
    await expect(readyRedis()).resolves.toEqual({
      status: 'up',
      connected: false,
      mode: 'fail-open',
    });
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(/^telegram_bot_redis_up\{connection="shared"\} 0$/m);
    expect(metrics).toMatch(/^telegram_bot_redis_up\{connection="cache"\} 0$/m);
    const optimization = JSON.parse((await get('/bot-optimization')).text);
    expect(optimization.redis).toMatchObject({
      configured: true,
      connections: { shared: { up: false }, cache: { up: false } },
    });
    expect(optimization.rateLimit.memoryFallbacks).toBeGreaterThan(0);
  });

  it('reconnects by itself once Redis is back and goes on answering', async () => {
    await redis.start();
    await until(async () => (await readyRedis())?.connected === true, 'Redis reconnected');

    await sendFromUsers(73_000, 20, 'after');

    expect(app.child.exitCode).toBeNull();
    const metrics = (await get('/metrics')).text;
    expect(metrics).toMatch(/^telegram_bot_redis_up\{connection="shared"\} 1$/m);
    expect(metrics).toMatch(/^telegram_bot_redis_up\{connection="cache"\} 1$/m);
    // A lasting outage logs a few lines, not one per reconnect attempt.
    const warnings = app
      .output()
      .split('\n')
      .filter((l) => l.includes('unavailable'));
    expect(warnings.length).toBeLessThanOrEqual(4);
  });

  // node-redis never settles a QUIT sent while it is reconnecting.
  it('drains and exits 0 on SIGTERM while Redis is stopped again', async () => {
    await redis.stop();
    await until(
      async () => (await connections()).every((c: any) => c.up === false),
      'both connections reported down',
    );

    await expect(stopApp(app)).resolves.toBe(0);
    expect(app.output()).toContain('Drained');
  });
});
