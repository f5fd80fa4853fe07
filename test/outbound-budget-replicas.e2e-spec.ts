import { TELEGRAM_FLOOD_LIMITS } from '../src/sandbox/emulator/flood-control';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { freePort } from './support/free-port';
import { RedisServer } from './support/redis-server';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import {
  optimization,
  type ReplicaProcess,
  startWebhookReplicas,
  stopReplicas,
} from './support/webhook-replicas';

jest.setTimeout(180_000);

const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
// Replicas share state through a real PostgreSQL server and Redis; PGlite is single-process.
const describeShared = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;

/** A bot id of its own per run: Redis keeps budgets and pauses per bot id, between runs too. */
function freshToken(): string {
  return `${1_000_000 + Math.floor(Math.random() * 1e9)}:TEST-budget-abcdefghijklmnopqrstuvwxyz`;
}

/** The replies to `users` as the fake recorded them: accepted ones and 429s. */
function repliesTo(api: FakeBotApi, users: Set<number>) {
  const calls = api.calls.filter(
    (c) => c.method === 'sendMessage' && users.has(Number(c.payload.chat_id)),
  );
  return {
    sent: calls.filter((c) => c.status === 200),
    floods: calls.filter((c) => c.status === 429),
  };
}

/** Three webhook replicas sharing `redisUrl`, against a fake Bot API with Telegram's flood limits. */
async function startFloodedReplicas(redisUrl: string) {
  const token = freshToken();
  const api = new FakeBotApi(token);
  await api.start();
  api.floodLimits = TELEGRAM_FLOOD_LIMITS;
  const db = await createTestDatabase();
  const replicas = await startWebhookReplicas(3, {
    ...db.env,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: api.apiRoot,
    REDIS_URL: redisUrl,
  });
  return { api, db, replicas };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describeShared('one outbound flood budget for three webhook replicas', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  let replicas: ReplicaProcess[];
  const base = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const targets = () => replicas.map((r) => r.base);

  beforeAll(async () => {
    ({ api, db, replicas } = await startFloodedReplicas(TEST_REDIS_URL!));
  });
  afterAll(async () => {
    try {
      await stopReplicas(replicas ?? []);
    } finally {
      await api.stop();
      await db.drop();
    }
  });

  // How close to the global limit the replicas send is a speed figure, for the bench, not a test.
  it('answers 300 users at once with at most 1 % answered 429', async () => {
    const users = range(base, 300);
    const updates = users.map((user, i) => ({ update_id: base + i, ...textMessage(user, 'hi') }));
    await api.deliverWebhook(updates, targets(), { concurrency: 60 });
    const chats = new Set(users);
    await api.waitFor(() => repliesTo(api, chats).sent.length >= 300, 60_000, '300 replies');

    const { sent, floods } = repliesTo(api, chats);
    expect(new Set(sent.map((c) => Number(c.payload.chat_id))).size).toBe(300);
    expect(sent).toHaveLength(300);
    expect(floods.length / (sent.length + floods.length)).toBeLessThanOrEqual(0.01);
    await expect(optimization(replicas[0])).resolves.toMatchObject({
      outbound: { budget: { mode: 'shared', replicas: 3 } },
    });
  });

  it("pauses every replica's replies to a chat after one replica's 429 for it", async () => {
    const user = base + 1000;
    api.failNext('sendMessage', 1, {
      status: 429,
      description: 'Too Many Requests: retry after 3',
      retryAfter: 3,
    });
    await api.deliverWebhook([{ update_id: base + 1000, ...textMessage(user, 'one') }], targets());
    const chat = new Set([user]);
    await api.waitFor(() => repliesTo(api, chat).floods.length === 1, 15_000, 'the 429');
    const floodAt = repliesTo(api, chat).floods[0].at;
    // The next two go to the two other replicas (delivery is round-robin).
    await api.deliverWebhook(
      [
        { update_id: base + 1001, ...textMessage(user, 'two') },
        { update_id: base + 1002, ...textMessage(user, 'three') },
      ],
      targets().slice(1),
      { concurrency: 1 },
    );
    await api.waitFor(() => repliesTo(api, chat).sent.length === 3, 20_000, 'three replies');

    const sentAt = repliesTo(api, chat).sent.map((c) => c.at);
    expect(sentAt.every((at) => at >= floodAt + 3000)).toBe(true);
  });

  it('pauses every replica after a bot-wide 429 seen by one of them', async () => {
    const flooded = range(base + 2000, 3);
    api.failNext('sendMessage', 3, {
      status: 429,
      description: 'Too Many Requests: retry after 3',
      retryAfter: 3,
    });
    // All three to the first replica: 429s from three chats at once mean a bot-wide limit.
    await api.deliverWebhook(
      flooded.map((user, i) => ({ update_id: base + 2000 + i, ...textMessage(user, 'x') })),
      targets().slice(0, 1),
    );
    await api.waitFor(
      () => repliesTo(api, new Set(flooded)).floods.length === 3,
      15_000,
      'three 429s',
    );
    const lastFlood = Math.max(...repliesTo(api, new Set(flooded)).floods.map((c) => c.at));
    const others = range(base + 2100, 6);
    await api.deliverWebhook(
      others.map((user, i) => ({ update_id: base + 2100 + i, ...textMessage(user, 'y') })),
      targets().slice(1),
    );
    const everyone = new Set([...flooded, ...others]);
    await api.waitFor(() => repliesTo(api, everyone).sent.length === 9, 20_000, 'nine replies');

    const sentAt = repliesTo(api, everyone).sent.map((c) => c.at);
    expect(sentAt.every((at) => at >= lastFlood + 3000)).toBe(true);
  });
});

describeShared('the outbound budget while Redis is unreachable', () => {
  let redis: RedisServer;
  let api: FakeBotApi;
  let db: TestDatabase;
  let replicas: ReplicaProcess[];
  const base = 20_000_000 + Math.floor(Math.random() * 1_000_000_000);

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    ({ api, db, replicas } = await startFloodedReplicas(redis.url));
  });
  afterAll(async () => {
    // Running again whatever the test reached: the replicas stop with Redis up.
    await redis.start().catch(() => undefined);
    try {
      await stopReplicas(replicas ?? []);
    } finally {
      await redis.stop();
      await api.stop();
      await db.drop();
    }
  });

  const budgets = async () =>
    (await Promise.all(replicas.map(optimization))).map((o) => o.outbound.budget);
  /** The replicas learn the count from their heartbeats, every 5 s: polled until they agree. */
  const untilBudgets = async (expected: object) => {
    for (let i = 0; i < 300; i++) {
      const now = await budgets();
      if (now.every((b) => JSON.stringify(b) === JSON.stringify(expected))) return now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return budgets();
  };

  it('sends at each replica share without a 429 storm, then shares again once Redis is back', async () => {
    await expect(untilBudgets({ mode: 'shared', replicas: 3 })).resolves.toEqual(
      Array(3).fill({ mode: 'shared', replicas: 3 }),
    );
    await redis.stop();

    const users = range(base, 150);
    await api.deliverWebhook(
      users.map((user, i) => ({ update_id: base + i, ...textMessage(user, 'hi') })),
      replicas.map((r) => r.base),
      { concurrency: 30 },
    );
    const chats = new Set(users);
    await api.waitFor(() => repliesTo(api, chats).sent.length >= 150, 60_000, '150 replies');
    const { sent, floods } = repliesTo(api, chats);
    expect(sent).toHaveLength(150);
    expect(new Set(sent.map((c) => Number(c.payload.chat_id))).size).toBe(150);
    expect(floods.length / (sent.length + floods.length)).toBeLessThanOrEqual(0.01);
    await expect(budgets()).resolves.toEqual(Array(3).fill({ mode: 'fallback', replicas: 3 }));

    await redis.start();
    await expect(untilBudgets({ mode: 'shared', replicas: 3 })).resolves.toEqual(
      Array(3).fill({ mode: 'shared', replicas: 3 }),
    );
  });
});
