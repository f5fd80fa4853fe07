import Redis from 'ioredis';
import { PostgresSessionStore } from '../src/sessions/postgres-session.store';
import { RedisSessionStore } from '../src/sessions/redis-session.store';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { freePort } from './support/free-port';
import { RedisServer } from './support/redis-server';
import { queryDatabase } from './support/test-database';

const TTL_MS = 60_000;
/** Stage's idle state: what nestjs-telegraf's Stage leaves in every session on every update. */
const IDLE = { __scenes: {} };
const IN_WIZARD = { __scenes: { current: 'settings', cursor: 1, state: { language: 'ru' } } };

describe('PostgreSQL session store (bot_sessions)', () => {
  let t: BotTestContext;
  let statements: string[];
  let now: number;

  beforeAll(async () => {
    t = await startBotApp();
  });
  afterAll(() => t.close());

  /** A store on the app's database that records every statement it runs. */
  const newStore = () => {
    statements = [];
    now = Date.now();
    return new PostgresSessionStore(
      (sql, params) => {
        statements.push(sql.split(' ')[0]);
        return t.query(sql, params);
      },
      TTL_MS,
      () => now,
    );
  };
  const row = async (key: string) =>
    (await t.query('SELECT data FROM bot_sessions WHERE key = $1', [key]))[0]?.data ?? null;

  it('costs no query for a chat without a session, nor for the idle state Stage writes back', async () => {
    const store = newStore();
    await store.load();
    statements = [];
    for (let i = 0; i < 100; i++) {
      expect(store.get(`9${i}:9${i}`)).toBeUndefined();
      await store.set(`9${i}:9${i}`, { ...IDLE });
      await store.delete(`9${i}:9${i}`);
    }
    expect(statements).toEqual([]);
  });

  it('lets the bot answer 200 messages from 100 users without touching bot_sessions', async () => {
    if (!t.db.url) return; // the statistics are PostgreSQL's
    const url = t.db.url;
    const stats = async () => {
      // A backend's counters are in once it exits: wait until the app's connections closed.
      for (;;) {
        const [open] = await queryDatabase<{ n: number }>(
          url,
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        if (open.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [row] = await queryDatabase(
        url,
        `SELECT seq_scan, coalesce(idx_scan, 0) AS idx_scan, n_tup_ins, n_tup_upd, n_tup_del
           FROM pg_stat_user_tables WHERE relname = 'bot_sessions'`,
      );
      return row;
    };
    const before = await stats();
    for (let i = 0; i < 200; i++) t.api.push(textMessage(7000 + (i % 100), `hello ${i}`));
    await t.api.waitFor(
      () => t.api.callsOf('sendMessage').filter((c) => c.payload.chat_id >= 7000).length === 200,
      20_000,
      '200 replies',
    );
    await expect(stats()).resolves.toEqual(before);
  });

  it('writes a change once, skips rewriting the same value, and deletes it when left idle', async () => {
    const store = newStore();
    await store.set('1:1', IN_WIZARD);
    await expect(row('1:1')).resolves.toEqual(IN_WIZARD);
    await store.set('1:1', store.get('1:1')!);
    await store.set('1:1', JSON.parse(JSON.stringify(IN_WIZARD)));
    expect(statements).toEqual(['INSERT']);

    await store.set('1:1', { ...IDLE });
    await expect(row('1:1')).resolves.toBeNull();
    await store.delete('1:1');
    expect(statements).toEqual(['INSERT', 'DELETE']);
  });

  it('loads the stored sessions at boot, so a new process reads them without a query', async () => {
    await newStore().set('2:2', { count: 2 });
    const restarted = newStore();
    await restarted.load();
    statements = [];
    expect(restarted.get('2:2')).toEqual({ count: 2 });
    await restarted.set('2:2', { count: 2 });
    expect(statements).toEqual([]);
  });

  it('forgets a session past its expiry, renews one in use, and the sweep deletes expired rows', async () => {
    const store = newStore();
    await store.set('3:3', { kept: true });
    await store.set('4:4', { kept: false });
    now += TTL_MS * 0.6; // an unchanged write now renews the expiry
    await store.set('3:3', { kept: true });
    expect(statements).toEqual(['INSERT', 'INSERT', 'INSERT']);
    now += TTL_MS * 0.5;
    expect(store.get('4:4')).toBeUndefined();
    expect(store.get('3:3')).toEqual({ kept: true });

    await t.query(`UPDATE bot_sessions SET expires_at = now() - interval '1 s' WHERE key = '4:4'`);
    await store.sweep();
    await expect(row('4:4')).resolves.toBeNull();
    await expect(row('3:3')).resolves.toEqual({ kept: true });
    const restarted = newStore();
    await restarted.load();
    expect([restarted.get('3:3'), restarted.get('4:4')]).toEqual([{ kept: true }, undefined]);
  });
});

describe('Redis session store', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = new RedisServer(await freePort());
    await server.start();
    redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const newStore = (ttlSec = 60) =>
    new RedisSessionStore(redis, (key) => `tgbot:1:session:${key}`, ttlSec);
  /** Commands the server ran since the last call, by name (CONFIG/INFO themselves excluded). */
  const commands = async () => {
    const info = await redis.info('commandstats');
    await redis.config('RESETSTAT');
    const counts: Record<string, number> = {};
    for (const [, name, calls] of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
      if (name !== 'info' && name !== 'config') counts[name] = Number(calls);
    }
    return counts;
  };

  beforeEach(async () => {
    await redis.flushall();
    await commands();
  });

  it('reads a chat without a session with one GETEX, and writes nothing back for the idle state', async () => {
    const store = newStore();
    for (let i = 0; i < 10; i++) {
      await expect(store.get(`9${i}:9${i}`)).resolves.toBeUndefined();
      await store.set(`9${i}:9${i}`, { ...IDLE });
    }
    await expect(commands()).resolves.toEqual({ getex: 10 });
  });

  it('writes a change, skips an unchanged value, deletes once, and renews the expiry on read', async () => {
    const store = newStore(100);
    await store.get('1:1');
    await store.set('1:1', IN_WIZARD);
    const read = await store.get('1:1');
    await store.set('1:1', read!);
    await expect(commands()).resolves.toEqual({ getex: 2, set: 1 });
    await expect(redis.ttl('tgbot:1:session:1:1')).resolves.toBeGreaterThan(90);

    await store.get('1:1');
    await store.set('1:1', { ...IDLE });
    await store.get('1:1');
    await store.delete('1:1');
    await expect(commands()).resolves.toEqual({ getex: 2, del: 1, ttl: 1 });
  });

  it('reads what another replica wrote: nothing is cached across updates', async () => {
    const mine = newStore();
    const theirs = newStore();
    await mine.get('5:5');
    await mine.set('5:5', { step: 1 });
    await theirs.get('5:5');
    await theirs.set('5:5', { step: 2 });
    await expect(mine.get('5:5')).resolves.toEqual({ step: 2 });
  });

  it('answers as if there were no session while Redis is down, and refuses to lose a change', async () => {
    const store = newStore();
    await server.stop();
    await expect(store.get('7:7')).resolves.toBeUndefined();
    await expect(store.set('7:7', { ...IDLE })).resolves.toBeUndefined();
    await expect(store.get('7:7')).resolves.toBeUndefined();
    await expect(store.set('7:7', { step: 1 })).rejects.toThrow();
    await server.start();
    // The client reconnects by itself; the next test's commands need it back.
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  });

  it('expires sessions after the TTL', async () => {
    const store = newStore(1);
    await store.get('6:6');
    await store.set('6:6', { step: 1 });
    await expect(redis.pttl('tgbot:1:session:6:6')).resolves.toBeLessThanOrEqual(1000);
  });
});
