import request from 'supertest';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { eventually } from './support/batch-faults';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// A network cut needs a database server behind a socket; the embedded PGlite has none.
const describeWithServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithServer('observability endpoints during a database outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: BotTestContext;
  const http = () => request(t.app.getHttpServer());
  // As a Kubernetes probe does: an answer later than its timeout is a failed probe. The database
  // ping gives up after 3 s, so an endpoint that waits for a dead socket misses this.
  const probe = (path: string) => http().get(path).timeout({ response: 5000 });

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = new TcpProxy(Number(new URL(db.url!).port || 5432));
    const url = new URL(db.url!);
    url.port = String(await proxy.start());
    t = await startBotApp({ DATABASE_URL: url.toString() }, { db });
    await t.api.waitFor(() => t.api.polls.length > 0, 10_000, 'first poll');
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
    await db.drop();
  });

  it('is healthy and ready while the database answers', async () => {
    await http().get('/health').expect(200);
    await http().get('/health/ready').expect(200);
    const status = await http().get('/db-status').expect(200);
    expect(status.body).toMatchObject({ connected: true, lastError: null });
  });

  it('answers 503 on /health and /health/ready, 200 on /health/live, within the ping timeout', async () => {
    proxy.cut();
    // Probes share a successful ping for up to a second: a few more 200s may come first.
    let health = await probe('/health');
    await eventually(async () => (health = await probe('/health')).status === 503);
    expect(health.body.status).toBe('error');
    // A short code, never the error text (it names hosts and ports).
    expect(health.body.error.database).toEqual({ status: 'down', code: 'unreachable' });
    expect(health.body.details.memory_heap).toEqual({ status: 'up' });
    const ready = await probe('/health/ready').expect(503);
    expect(ready.body.error.database.status).toBe('down');
    await probe('/health/live').expect(200);
  });

  it('reports connected: false on /db-status with the error and its time, without hanging', async () => {
    const res = await probe('/db-status').expect(200);
    expect(res.body).toMatchObject({
      connected: false,
      engine: 'postgresql',
      poolStrategy: 'null-pool',
      serverVersion: null,
      latencyMs: null,
      connections: null,
      tables: null,
      lastError: expect.any(String),
      lastErrorAt: expect.stringMatching(/^\d{4}-/),
    });
    // The message describes the failure without leaking the connection string.
    expect(res.body.lastError).not.toContain('postgres://');
  });

  it('exports the outage to Prometheus', async () => {
    const text = (await http().get('/metrics').expect(200)).text;
    expect(text).toMatch(/^telegram_bot_db_up 0$/m);
    expect(text).toMatch(/^telegram_bot_db_ping_seconds -1$/m);
    const lastError = Number(
      /^telegram_bot_db_last_error_timestamp_seconds (\S+)$/m.exec(text)?.[1],
    );
    expect(lastError).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('recovers once the database is back and remembers the last error', async () => {
    proxy.restore();
    await http().get('/health').expect(200);
    await http().get('/health/ready').expect(200);
    const res = await http().get('/db-status').expect(200);
    expect(res.body).toMatchObject({ connected: true, lastError: expect.any(String) });
    expect(res.body.tables.messages.totalBytes).toBeGreaterThan(0);
  });
});
