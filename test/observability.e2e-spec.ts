import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { resetConfigCache } from '../src/config/app.config';
import { createApp } from '../src/bootstrap';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { createTestDatabase, type TestDatabase } from './support/test-database';

// The per-project testTimeout in jest.config.js is ignored by jest 29; booting PGlite takes a while.
jest.setTimeout(60_000);

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
const count = expect.any(Number);
/** Matches null, or what `inner` matches (figures that exist only once traffic has flowed). */
const nullOr = (inner: { asymmetricMatch(value: unknown): boolean }) => ({
  $$typeof: Symbol.for('jest.asymmetricMatcher'),
  asymmetricMatch: (value: unknown) => value === null || inner.asymmetricMatch(value),
  toAsymmetricMatcher: () => 'nullOr',
});

interface Booted {
  app: INestApplication;
  api: FakeBotApi;
  db: TestDatabase;
  restoreEnv: () => void;
}

/** Boots the real AppModule in-process against a fresh database and a fake Bot API. */
async function boot(extraEnv: Record<string, string> = {}): Promise<Booted> {
  const db = await createTestDatabase();
  const api = new FakeBotApi('123:test-token-abcdefghijklmnop');
  const env: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: await api.start(),
    LOG_LEVEL: 'silent',
    ...db.env,
    ...extraEnv,
  };
  const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  resetConfigCache();
  const app = await createApp();
  await app.init();
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfigCache();
  };
  return { app, api, db, restoreEnv };
}

async function shutdown(booted: Booted | undefined): Promise<void> {
  if (!booted) return;
  await booted.app.close();
  await booted.api.stop();
  await booted.db.drop();
  booted.restoreEnv();
}

describe('observability endpoints (no METRICS_TOKEN)', () => {
  let booted: Booted | undefined;
  const http = () => request(booted!.app.getHttpServer());
  const embedded = !process.env.TEST_DATABASE_URL;

  beforeAll(async () => {
    booted = await boot();
  });
  afterAll(() => shutdown(booted));

  it('answers /health/live with 200 without touching the database', async () => {
    const res = await http().get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok', uptimeSec: count });
  });

  it('answers /health with the Terminus body: database up with its latency, heap up', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: {
        database: { status: 'up', latencyMs: count },
        memory_heap: { status: 'up' },
      },
      error: {},
      details: {
        database: { status: 'up', latencyMs: count },
        memory_heap: { status: 'up' },
      },
    });
  });

  it('answers /health/ready with 503 while the update intake is not running', async () => {
    const res = await http().get('/health/ready');
    const bot = res.body.details.bot as { status: string; intakeRunning: boolean };
    expect(res.body.details.database).toEqual({ status: 'up', latencyMs: count });
    // The intake lands with BotModule; until it runs, readiness must say "not ready".
    expect(res.status).toBe(bot.intakeRunning ? 200 : 503);
    expect(res.body.status).toBe(bot.intakeRunning ? 'ok' : 'error');
    expect(bot).toEqual(
      expect.objectContaining({ status: bot.intakeRunning ? 'up' : 'down', draining: false }),
    );
  });

  it('reports process figures on /performance', async () => {
    const res = await http().get('/performance').expect(200);
    const body = res.body;
    expect(body).toEqual({
      uptimeSec: count,
      cpu: {
        cores: count,
        percentLastInterval: count,
        intervalSec: count,
        percentSinceStart: count,
        loadAverage: [count, count, count],
      },
      memory: {
        rssBytes: count,
        heapUsedBytes: count,
        heapTotalBytes: count,
        externalBytes: count,
        arrayBuffersBytes: count,
      },
      eventLoop: {
        lagP50Ms: count,
        lagP99Ms: count,
        lagMaxMs: count,
        utilizationLastInterval: count,
        utilizationSinceStart: count,
      },
      handles: { activeHandles: count, activeRequests: count, byType: expect.any(Object) },
      threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
      nodeVersion: process.version,
      pid: process.pid,
      timestamp: iso,
    });
    expect(body.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(body.cpu.percentSinceStart).toBeGreaterThanOrEqual(0);
    expect(body.memory.rssBytes).toBeGreaterThan(body.memory.heapUsedBytes);
    expect(body.memory.heapTotalBytes).toBeGreaterThanOrEqual(body.memory.heapUsedBytes);
    expect(body.eventLoop.lagP99Ms).toBeGreaterThanOrEqual(body.eventLoop.lagP50Ms);
    expect(body.eventLoop.utilizationSinceStart).toBeGreaterThanOrEqual(0);
    expect(body.eventLoop.utilizationSinceStart).toBeLessThanOrEqual(1);
    // The HTTP server itself is an active handle.
    expect(body.handles.activeHandles).toBeGreaterThan(0);
  });

  it('reports bot figures on /bot-optimization from the registry and the config', async () => {
    const res = await http().get('/bot-optimization').expect(200);
    expect(res.body).toEqual({
      mode: 'polling',
      intake: {
        running: expect.any(Boolean),
        draining: false,
        ready: expect.any(Boolean),
        lastError: nullOr(expect.any(String)),
      },
      polling: {
        timeoutSec: 30,
        readLatencySec: 5,
        limit: 100,
        allowedUpdates: ['message', 'callback_query', 'my_chat_member'],
        polls: count,
        emptyPolls: count,
        emptyPollRatio: nullOr(count),
        updatesReceived: count,
        updatesPerPoll: nullOr(count),
        errors: count,
        conflicts: count,
        lastPollAt: nullOr(iso),
        lastPollAgeSec: nullOr(count),
        // One process without POLLING_LEASE: it polls alone.
        lease: {
          backend: null,
          leader: true,
          standby: false,
          replicaId: null,
          token: null,
          ttlMs: null,
          leaderSince: null,
        },
      },
      webhook: null,
      dispatcher: {
        inFlight: count,
        concurrency: 64,
        updateTimeoutMs: 20000,
        handled: count,
        failed: count,
        timedOut: count,
        duplicates: count,
        handlerP50Ms: nullOr(count),
        handlerP99Ms: nullOr(count),
      },
      cache: {
        store: 'memory',
        maxEntries: 5000,
        ttlSec: 300,
        entries: nullOr(count),
        hits: count,
        misses: count,
        hitRatio: nullOr(count),
      },
      rateLimit: {
        limit: 10,
        windowSec: 60,
        limitedTotal: count,
        noticesSent: count,
        limitedUsers: count,
        storageErrors: count,
        memoryFallbacks: count,
      },
      redis: { configured: false, connections: {} },
      batch: {
        size: 50,
        flushIntervalMs: 1000,
        maxPending: 10000,
        pendingRows: expect.any(Object),
        pendingTotal: count,
        oldestPendingAgeSec: count,
        flushes: count,
        rowsWritten: expect.any(Object),
        rowsWrittenTotal: count,
        flushFailures: count,
        retries: count,
        deadLetters: count,
        lastFlushAt: nullOr(iso),
        flushP50Ms: nullOr(count),
        flushP99Ms: nullOr(count),
      },
      outbound: {
        limits: { globalPerSecond: 30, chatPerSecond: 1, groupPerMinute: 20 },
        // No REDIS_URL here: each process keeps its own flood budget.
        budget: { mode: 'local', replicas: 1 },
        queued: { interactive: count, broadcast: count },
        sent: count,
        rateLimited429: count,
        retries: count,
        failed: count,
        blocked: count,
        apiCalls: expect.any(Object),
        apiCallsTotal: count,
      },
      timestamp: iso,
    });
  });

  it('never calls the Bot API to answer the operator endpoints', async () => {
    const before = booted!.api.calls.filter((c) => c.method !== 'getUpdates').length;
    await http().get('/bot-optimization').expect(200);
    await http().get('/performance').expect(200);
    await http().get('/metrics').expect(200);
    const after = booted!.api.calls.filter((c) => c.method !== 'getUpdates').length;
    expect(after).toBe(before);
  });

  it('reports the database on /db-status', async () => {
    const res = await http().get('/db-status').expect(200);
    const body = res.body;
    const table = { estimatedRows: count, totalBytes: count };
    expect(body).toEqual({
      connected: true,
      engine: embedded ? 'pglite' : 'postgresql',
      poolStrategy: embedded ? 'embedded' : 'null-pool',
      pool: embedded
        ? {
            max: 1,
            idleTimeoutMs: 'not applicable (embedded)',
            queryTimeoutMs: 'not applicable (embedded)',
            connectTimeoutMs: 'not applicable (embedded)',
            keepAliveInitialDelayMs: 'not applicable (embedded)',
          }
        : {
            max: 2,
            idleTimeoutMs: 500,
            queryTimeoutMs: 15000,
            connectTimeoutMs: 30000,
            keepAliveInitialDelayMs: 600000,
          },
      preparedStatements: !embedded,
      serverVersion: expect.stringMatching(/^\d+(\.\d+)?/),
      database: embedded ? expect.any(String) : new URL(booted!.db.url!).pathname.slice(1),
      latencyMs: count,
      connections: embedded
        ? 'not applicable (embedded)'
        : { applicationName: 'telegram-bot', total: count, byState: expect.any(Object) },
      tables: { users: table, messages: table, dead_letters: table },
      lastError: null,
      lastErrorAt: null,
      retries: { startupAttemptsMax: 11 },
      timestamp: iso,
    });
    expect(body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.latencyMs).toBeLessThan(3000);
    // Even an empty table has pages for its primary key index.
    expect(body.tables.messages.totalBytes).toBeGreaterThan(0);
    if (!embedded) {
      // The connection that ran the query is one of ours and active.
      expect(body.connections.total).toBeGreaterThanOrEqual(1);
      expect(body.connections.byState.active).toBeGreaterThanOrEqual(1);
    }
  });

  it('serves Prometheus text on /metrics, including default process and database metrics', async () => {
    const res = await http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(res.text).toMatch(/^# HELP /m);
    expect(res.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+/m);
    expect(res.text).toMatch(/^telegram_bot_db_up 1$/m);
    expect(res.text).toMatch(/^telegram_bot_db_ping_seconds [\d.e-]+$/m);
    expect(res.text).toMatch(/^telegram_bot_db_last_error_timestamp_seconds 0$/m);
  });
});

describe('observability endpoints with METRICS_TOKEN', () => {
  let booted: Booted | undefined;
  const http = () => request(booted!.app.getHttpServer());
  const protectedPaths = ['/performance', '/bot-optimization', '/db-status', '/metrics'];

  beforeAll(async () => {
    booted = await boot({ METRICS_TOKEN });
  });
  afterAll(() => shutdown(booted));

  it.each(protectedPaths)('answers %s with 401 without the token', async (path) => {
    const res = await http().get(path).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(JSON.stringify(res.body)).not.toContain(METRICS_TOKEN);
  });

  it.each(protectedPaths)('answers %s with 401 for a wrong token or scheme', async (path) => {
    await http().get(path).set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
    await http().get(path).set('Authorization', `Bearer short`).expect(401);
    await http().get(path).set('Authorization', `Basic ${METRICS_TOKEN}`).expect(401);
  });

  it.each(protectedPaths)('answers %s with 200 with the token', async (path) => {
    await http().get(path).set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
  });

  it('keeps /health and /health/live open for probes', async () => {
    await http().get('/health').expect(200);
    await http().get('/health/live').expect(200);
    const ready = await http().get('/health/ready');
    expect([200, 503]).toContain(ready.status);
  });
});
