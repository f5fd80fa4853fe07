import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { RedisServer } from './support/redis-server';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';
import { freePort } from './support/free-port';

jest.setTimeout(90_000);

// Distinctive values: none of them may appear anywhere in the process's output.
const TOKEN = '424242:LeakCanaryTokenTail_abcdefghijklmnop';
const WEBHOOK_SECRET = 'WebhookCanarySecret_0123456789abcdefghij';
const METRICS_TOKEN = 'MetricsCanaryToken-0123456789';
const DB_PASSWORD = 'DbCanaryPassword7731';
const REDIS_PASSWORD = 'RedisCanaryPassword8842';
const TEXT = 'zebra-canary-5519 my private note';
const CANARIES = [
  TOKEN,
  TOKEN.split(':')[1],
  WEBHOOK_SECRET,
  METRICS_TOKEN,
  DB_PASSWORD,
  REDIS_PASSWORD,
  TEXT,
  'zebra-canary',
];

// A database whose queries can be made to fail needs a server: the embedded PGlite has none.
const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithServer('what the service writes to its output', () => {
  let redis: RedisServer;
  const proxy = new TcpProxy();
  let api: FakeBotApi;
  let db: TestDatabase;
  let app: AppProcess;
  let base: string;

  beforeAll(async () => {
    redis = new RedisServer(await freePort(), ['--requirepass', REDIS_PASSWORD]);
    await redis.start();
    api = new FakeBotApi(TOKEN);
    await api.start();
    db = await createTestDatabase();
    const dbUrl = new URL(db.url!);
    dbUrl.port = String(await proxy.start());
    dbUrl.password = DB_PASSWORD;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = spawnApp({
      DATA_DIR: db.env.DATA_DIR,
      DATABASE_URL: dbUrl.toString(),
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      BOT_MODE: 'webhook',
      WEBHOOK_URL: 'https://bot.example.com/hook',
      WEBHOOK_SECRET,
      METRICS_TOKEN,
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      BATCH_FLUSH_INTERVAL_MS: '50',
      DB_QUERY_TIMEOUT_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    await api.waitFor(() => api.webhook !== null, 30_000, 'setWebhook');
  });
  afterAll(async () => {
    if (app.child.exitCode === null) app.child.kill('SIGKILL');
    proxy.restore();
    await proxy.close();
    await redis.stop();
    await api.stop();
    await db.drop();
  });

  it('leaks no secret and no message text through failed queries, health checks and shutdown', async () => {
    // Every write of this text is refused: the flush and the dead letter both fail.
    await queryDatabase(
      db.url!,
      `ALTER TABLE messages ADD CONSTRAINT canary CHECK (text NOT LIKE '%zebra-canary%')`,
    );
    await queryDatabase(
      db.url!,
      `ALTER TABLE dead_letters ADD CONSTRAINT canary CHECK (payload::text NOT LIKE '%zebra-canary%')`,
    );
    await expect(api.deliverWebhook([textMessage(95_001, TEXT)], [base])).resolves.toEqual([200]);
    await api.waitFor(() => api.repliesTo(95_001).length === 1, 10_000, 'the reply');
    // The refused rows are retried; wait until a failed query has been logged.
    for (let i = 0; i < 100 && !/query failed/.test(app.output()); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.cut();
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${base}/health`);
      if (res.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    app.child.kill('SIGTERM');
    await app.exited;

    const output = app.output();
    expect(output).toMatch(/query failed/);
    expect(output).toMatch(/Health Check has failed/);
    for (const canary of CANARIES)
      expect({ canary, found: output.includes(canary) }).toEqual({ canary, found: false });
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const notPino = lines.filter((line) => {
      try {
        const entry = JSON.parse(line) as { level?: unknown; time?: unknown };
        return typeof entry.level !== 'number' || typeof entry.time !== 'number';
      } catch {
        return true;
      }
    });
    expect(notPino).toEqual([]);
  });
});
