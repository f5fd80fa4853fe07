import Redis from 'ioredis';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import type { Update } from 'telegraf/types';
import type { DataSource } from 'typeorm';
import type { TelegramConfig } from '../../config/app.config';
import { BotMetrics } from '../bot.metrics';
import { UpdateDeduplicator } from './update-deduplicator';

const update = (id: number) =>
  ({
    update_id: id,
    message: { message_id: id, date: 1, chat: { id: 7, type: 'private' }, text: 'x' },
  }) as Update;
const DAY_MS = 24 * 60 * 60 * 1000;

describe('UpdateDeduplicator', () => {
  const config = { mode: 'polling', dispatchConcurrency: 1 } as TelegramConfig;
  const dedup = () =>
    new UpdateDeduplicator({} as DataSource, null, config, new BotMetrics(new Registry(), config));
  const notInFlight = () => false;

  afterEach(() => jest.useRealTimers());

  it('drops an update finished recently and one in flight', async () => {
    const d = dedup();
    d.markDone(5);
    await expect(d.fresh([update(5), update(6)], (id) => id === 6)).resolves.toEqual([]);
    await expect(d.fresh([update(7)], notInFlight)).resolves.toEqual([update(7)]);
  });

  it('forgets what it saw after a week without updates, when Telegram may reuse ids', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const d = dedup();
    await d.fresh([update(5)], notInFlight);
    d.markDone(5);
    jest.setSystemTime(Date.now() + 6 * DAY_MS);
    await expect(d.fresh([update(5)], notInFlight)).resolves.toEqual([]);
    jest.setSystemTime(Date.now() + 8 * DAY_MS);
    await expect(d.fresh([update(5)], notInFlight)).resolves.toEqual([update(5)]);
  });

  /** A session with a `messages` table of its own: PostgreSQL when given (fast), else PGlite. */
  async function messagesTable(): Promise<{
    exec(sql: string): Promise<unknown>;
    dataSource: DataSource;
    close(): Promise<void>;
  }> {
    const url = process.env.TEST_DATABASE_URL;
    if (url) {
      const client = new Client({ connectionString: url });
      await client.connect();
      // A temporary table lives in this session only and hides any other `messages`.
      await client.query('CREATE TEMP TABLE messages (chat_id bigint, message_id bigint)');
      return {
        exec: (sql) => client.query(sql),
        dataSource: {
          query: async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows,
        } as unknown as DataSource,
        close: () => client.end(),
      };
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const pg = new PGlite();
    await pg.exec('CREATE TABLE messages (chat_id bigint, message_id bigint)');
    return {
      exec: (sql) => pg.exec(sql),
      dataSource: {
        query: async (sql: string, params: unknown[]) => (await pg.query(sql, params)).rows,
      } as unknown as DataSource,
      close: () => pg.close(),
    };
  }

  it('drops, on the first intake after a start, a message a predecessor already stored', async () => {
    const db = await messagesTable();
    try {
      await db.exec('INSERT INTO messages VALUES (7, 5)');
      const metrics = new BotMetrics(new Registry(), config);
      const d = new UpdateDeduplicator(db.dataSource, null, config, metrics);

      const first = await d.fresh([update(5), update(6)], notInFlight, { checkStored: true });

      expect(first).toEqual([update(6)]);
      await expect(metrics.duplicates.get()).resolves.toMatchObject({
        values: [{ labels: { reason: 'stored' }, value: 1 }],
      });
      // Once per start: later updates are new to the predecessor, so storage is not asked again.
      await db.exec('INSERT INTO messages VALUES (7, 8)');
      await expect(d.fresh([update(8)], notInFlight, { checkStored: true })).resolves.toEqual([
        update(8),
      ]);
    } finally {
      await db.close();
    }
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  (redisUrl ? it : it.skip)(
    'lets one webhook replica of several take an update that Telegram sent to each',
    async () => {
      const clients = [new Redis(redisUrl!), new Redis(redisUrl!)];
      try {
        // A bot id of its own per run: claims live a day in Redis.
        const webhook = {
          mode: 'webhook',
          dispatchConcurrency: 1,
          botId: 1_000_000 + Math.floor(Math.random() * 1e9),
        } as TelegramConfig;
        const [a, b] = clients.map(
          (redis) =>
            new UpdateDeduplicator(
              {} as DataSource,
              redis,
              webhook,
              new BotMetrics(new Registry(), webhook),
            ),
        );

        const [fromA, fromB] = await Promise.all([
          a.fresh([update(1), update(2)], notInFlight),
          b.fresh([update(2), update(3)], notInFlight),
        ]);

        const taken = [...fromA, ...fromB].map((u) => u.update_id).sort();
        expect(taken).toEqual([1, 2, 3]);
      } finally {
        for (const redis of clients) redis.disconnect();
      }
    },
  );
});
