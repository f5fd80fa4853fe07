import { texts } from './support/texts';
import { textMessage } from './fake-bot-api/updates';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../src/redis/redis.module';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { createTestDatabase, replicaOf, type TestDatabase } from './support/test-database';
import { whenSettled } from './support/settled';

jest.setTimeout(90_000);

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOTICE = /^Slow down: try again in \d+ s$/;
/** Counters live 60 s in Redis: fresh user ids per run keep reruns independent. */
const base = 5_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
const env = { RATE_LIMIT: '10', RATE_LIMIT_WINDOW: '60' };

describe('per-user rate limit shared through Redis', () => {
  let db: TestDatabase;
  let a: BotTestContext;
  let b: BotTestContext;
  let bHome: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two replicas, each with its own Bot API double, one database and one Redis.
    a = await startBotApp({ ...env, REDIS_URL }, { db });
    // A DATA_DIR of its own: one instance per DATA_DIR.
    bHome = replicaOf(db);
    b = await startBotApp({ ...env, REDIS_URL }, { db: bHome });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await bHome?.drop();
  });

  it('counts one user across replicas: 12 messages over two replicas give 10 acknowledgements', async () => {
    const userId = base + 1;
    for (let i = 0; i < 6; i++) a.api.push(textMessage(userId, `via a ${i}`));
    await a.api.waitFor(() => a.api.repliesTo(userId).length === 6, 20_000, 'six acks from a');
    for (let i = 0; i < 6; i++) b.api.push(textMessage(userId, `via b ${i}`));
    await b.api.waitFor(
      () => b.api.repliesTo(userId).length === 5,
      20_000,
      'four acks and a notice from b',
    );
    await b.api.waitFor(() => b.api.unconfirmed === 0, 10_000, 'b confirmed all six');
    await whenSettled([a.app, b.app]);

    expect(a.api.repliesTo(userId)).toEqual(Array(6).fill(texts.saved));
    const fromB = b.api.repliesTo(userId);
    expect(fromB.slice(0, 4)).toEqual(Array(4).fill(texts.saved));
    expect(fromB[4]).toMatch(NOTICE);
    expect(fromB).toHaveLength(5);
  });

  it('counts in memory while its Redis connection is down: the limit still holds', async () => {
    a.app.get<Redis>(REDIS_CLIENT).disconnect(false);
    const userId = base + 2;
    for (let i = 0; i < 12; i++) a.api.push(textMessage(userId, `m${i}`));

    await a.api.waitFor(() => a.api.repliesTo(userId).length === 11, 20_000, 'ten acks, a notice');

    const replies = a.api.repliesTo(userId);
    expect(replies.slice(0, 10)).toEqual(Array(10).fill(texts.saved));
    expect(replies[10]).toMatch(NOTICE);
  });
});
