import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { BotStatusService } from '../src/bot/bot-status.service';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { jsonShape, metricFamilies } from './support/json-shape';

const RATE_LIMIT = 5;
const ADMIN = 2999;

describe('observability endpoints under bot traffic', () => {
  let t: BotTestContext;
  const http = () => request(t.app.getHttpServer());
  const botStats = async () => (await http().get('/bot-optimization').expect(200)).body;
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The figures at that moment say which stage stalled.
    throw new Error(`timed out waiting for ${what}; now ${JSON.stringify(await botStats())}`);
  };

  beforeAll(async () => {
    t = await startBotApp({ RATE_LIMIT: String(RATE_LIMIT), ADMIN_USER_ID: String(ADMIN) });
    await t.api.waitFor(() => t.api.polls.length > 0, 10_000, 'first poll');
  });
  afterAll(() => t.close());

  it('reports the running poll loop and turns /health/ready green', async () => {
    await until(async () => (await botStats()).polling.polls > 0, 'a counted poll');
    const stats = await botStats();
    expect(stats.intake).toEqual({ running: true, draining: false, ready: true, lastError: null });
    expect(stats.polling).toMatchObject({ timeoutSec: 1, limit: 100, errors: 0, conflicts: 0 });
    expect(stats.polling.lastPollAt).toEqual(expect.stringMatching(/^\d{4}-/));
    expect(stats.polling.lastPollAgeSec).toBeLessThan(10);
    const ready = await http().get('/health/ready').expect(200);
    expect(ready.body.details.bot).toEqual({
      status: 'up',
      intakeRunning: true,
      identified: true,
      draining: false,
      standby: false,
    });
  });

  it('counts handled updates, handler latency, sends and cache hits after repeated /me', async () => {
    const before = await botStats();
    t.api.push(textMessage(2001, '/start'));
    await t.api.waitFor(() => t.api.repliesTo(2001).length === 1, 10_000, 'welcome');
    t.api.push(textMessage(2001, '/me'));
    await t.api.waitFor(() => t.api.repliesTo(2001).length === 2, 10_000, 'first profile');
    t.api.push(textMessage(2001, '/me'));
    await t.api.waitFor(() => t.api.repliesTo(2001).length === 3, 10_000, 'second profile');
    await until(
      async () => (await botStats()).dispatcher.handled >= before.dispatcher.handled + 3,
      'handled',
    );

    const after = await botStats();
    expect(after.polling.updatesReceived - before.polling.updatesReceived).toBeGreaterThanOrEqual(
      3,
    );
    expect(after.dispatcher.failed).toBe(before.dispatcher.failed);
    expect(after.dispatcher.handlerP50Ms).toBeGreaterThan(0);
    expect(after.dispatcher.handlerP99Ms).toBeGreaterThanOrEqual(after.dispatcher.handlerP50Ms);
    expect(after.outbound.sent - before.outbound.sent).toBeGreaterThanOrEqual(3);
    expect(after.outbound.apiCalls.sendMessage).toBeGreaterThanOrEqual(3);
    // The second /me finds the profile in the cache.
    expect(after.cache.hits).toBeGreaterThan(before.cache.hits);
    expect(after.cache.hitRatio).toBeGreaterThan(0);
    expect(after.cache.hitRatio).toBeLessThanOrEqual(1);
    expect(after.cache.entries).toBeGreaterThan(0);
  });

  it('counts messages dropped by the rate limit and the one notice per window', async () => {
    const before = await botStats();
    const burst = RATE_LIMIT + 4;
    t.api.push(...Array.from({ length: burst }, (_, i) => textMessage(2002, `burst ${i}`)));
    await until(
      async () => (await botStats()).rateLimit.limitedTotal >= before.rateLimit.limitedTotal + 4,
      'rate-limited count',
    );
    const after = await botStats();
    expect(after.rateLimit).toMatchObject({ limit: RATE_LIMIT, windowSec: 60, storageErrors: 0 });
    expect(after.rateLimit.noticesSent - before.rateLimit.noticesSent).toBe(1);
    expect(after.rateLimit.limitedUsers).toBeGreaterThanOrEqual(1);
  });

  it('counts rows written by batch flushes', async () => {
    t.api.push(textMessage(2003, 'to be stored'));
    await until(async () => {
      const rows = await t.query('SELECT 1 FROM messages WHERE user_id = $1', [2003]);
      return rows.length === 1;
    }, 'stored message');
    const stats = await botStats();
    expect(stats.batch.flushes).toBeGreaterThan(0);
    expect(stats.batch.rowsWritten.messages).toBeGreaterThanOrEqual(1);
    expect(stats.batch.rowsWrittenTotal).toBeGreaterThanOrEqual(stats.batch.rowsWritten.messages);
    expect(stats.batch.flushFailures).toBe(0);
    expect(stats.batch.lastFlushAt).toEqual(expect.stringMatching(/^\d{4}-/));
    expect(stats.batch.flushP99Ms).toBeGreaterThanOrEqual(stats.batch.flushP50Ms);
    expect(stats.batch.flushP50Ms).toBeGreaterThan(0);
    const db = (await http().get('/db-status').expect(200)).body;
    expect(db.connected).toBe(true);
    expect(db.tables.messages.totalBytes).toBeGreaterThan(0);
  });

  it('exports every metric the Grafana dashboard plots', async () => {
    const text = (await http().get('/metrics').expect(200)).text;
    const dashboard = readFileSync(join(__dirname, '../deploy/grafana-dashboard.json'), 'utf8');
    const plotted = new Set(dashboard.match(/\b(telegram_bot|process|nodejs)_[a-z0-9_]+/g));
    const exported = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      ),
    );
    expect([...plotted].filter((name) => !exported.has(name))).toEqual([]);
    expect(text).toMatch(/^telegram_bot_updates_handled_total [1-9]\d*$/m);
  });

  it('never calls the Bot API to answer the operator endpoints', async () => {
    const calls = () => t.api.calls.filter((c) => c.method !== 'getUpdates').length;
    await until(async () => (await botStats()).outbound.queued.interactive === 0, 'idle outbound');
    const before = calls();
    for (const path of ['/performance', '/bot-optimization', '/db-status', '/metrics']) {
      await http().get(path).expect(200);
    }
    expect(calls()).toBe(before);
  });

  it('turns readiness red while draining and keeps liveness green', async () => {
    const status = t.app.get(BotStatusService);
    status.draining = true;
    try {
      const ready = await http().get('/health/ready').expect(503);
      expect(ready.body.error.bot).toMatchObject({ status: 'down', draining: true });
      await http().get('/health/live').expect(200);
      await http().get('/health').expect(200);
      expect((await botStats()).intake).toMatchObject({ draining: true, ready: false });
    } finally {
      status.draining = false;
    }
  });

  // Runs after the traffic above, so figures that exist only once updates flowed are numbers.
  describe('field contract: the structure operators, dashboards and admins read', () => {
    const shape = async (path: string, maps: string[] = []) =>
      jsonShape((await http().get(path).expect(200)).body, maps);

    it('keeps the fields and value types of the JSON endpoints', async () => {
      expect({
        health: await shape('/health'),
        performance: await shape('/performance', ['handles.byType']),
        botOptimization: await shape('/bot-optimization', ['outbound.apiCalls']),
      }).toMatchSnapshot();
    });

    it('keeps the fields and value types of /db-status', async () => {
      // The embedded database has no server pool: those fields say "not applicable" instead.
      const embedded = !process.env.TEST_DATABASE_URL;
      const setting = embedded ? 'string' : 'number';
      const table = { estimatedRows: 'number', totalBytes: 'number' };
      expect(await shape('/db-status', ['connections.byState'])).toEqual({
        connected: 'boolean',
        connections: embedded
          ? 'string'
          : { applicationName: 'string', byState: { '*': ['number'] }, total: 'number' },
        database: 'string',
        engine: 'string',
        lastError: 'null',
        lastErrorAt: 'null',
        latencyMs: 'number',
        pool: {
          connectTimeoutMs: setting,
          idleTimeoutMs: setting,
          keepAliveInitialDelayMs: setting,
          max: 'number',
          queryTimeoutMs: setting,
        },
        poolStrategy: 'string',
        preparedStatements: 'boolean',
        retries: { startupAttemptsMax: 'number' },
        serverVersion: 'string',
        tables: { dead_letters: table, messages: table, users: table },
        timestamp: 'string',
      });
    });

    it('keeps the metric names, types, HELP texts and label names of /metrics', async () => {
      const text = (await http().get('/metrics').expect(200)).text;
      // Default process metrics come from prom-client; their labels depend on the runtime.
      expect(metricFamilies(text, (name) => name.startsWith('telegram_bot_'))).toMatchSnapshot();
    });

    it("keeps the lines of an admin's /stats reply", async () => {
      t.api.push(textMessage(ADMIN, '/stats'));
      await t.api.waitFor(() => t.api.repliesTo(ADMIN).length === 1, 10_000, 'stats');
      const [reply] = t.api.repliesTo(ADMIN);
      // Traffic above made cache reads, so the ratio is a percentage, not "n/a".
      expect(reply.replace(/\d+/g, 'N')).toBe(
        [
          'Users: N (active N, blocked N)',
          'Messages: N',
          'Cache hit ratio: N%',
          'Rate limited: N',
          'Pending writes: N',
          'Outbound queue: N',
        ].join('\n'),
      );
    });
  });
});
