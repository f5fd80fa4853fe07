import { texts } from './support/texts';
import { textMessage } from './fake-bot-api/updates';
import { RATE_LIMIT_STORAGE } from '../src/rate-limit/rate-limit.storage';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

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

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two replicas, each with its own Bot API double, one database and one Redis.
    a = await startBotApp({ ...env, REDIS_URL }, { db });
    b = await startBotApp({ ...env, REDIS_URL }, { db });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
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
    await new Promise((r) => setTimeout(r, 500));

    expect(a.api.repliesTo(userId)).toEqual(Array(6).fill(texts.saved));
    const fromB = b.api.repliesTo(userId);
    expect(fromB.slice(0, 4)).toEqual(Array(4).fill(texts.saved));
    expect(fromB[4]).toMatch(NOTICE);
    expect(fromB).toHaveLength(5);
  });

  it('fails open when its Redis connection is down: every message is processed', async () => {
    // Only the limiter's connection goes away, so the rest of the app (cache) keeps working.
    const storage = a.app.get<{ redis: { disconnect(reconnect?: boolean): void } }>(
      RATE_LIMIT_STORAGE,
    );
    storage.redis.disconnect(false);
    const userId = base + 2;
    for (let i = 0; i < 12; i++) a.api.push(textMessage(userId, `m${i}`));

    await a.api.waitFor(() => a.api.repliesTo(userId).length === 12, 20_000, 'twelve acks');

    expect(a.api.repliesTo(userId).every((r) => r === texts.saved)).toBe(true);
  });
});
