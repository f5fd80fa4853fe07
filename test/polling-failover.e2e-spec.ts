import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { freePort } from './support/free-port';
import { createTestDatabase, queryDatabase, type TestDatabase } from './support/test-database';

const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
// Replicas share state through a real PostgreSQL server and Redis; PGlite is single-process.
const describeShared = TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip;

jest.setTimeout(180_000);

/** A polling replica: a child process with its own port and DATA_DIR (kept across restarts). */
interface Replica {
  name: string;
  port: number;
  dataDir: string;
  process: AppProcess;
}

interface LeaseView {
  leader: boolean;
  standby: boolean;
  polls: number;
}

describeShared('two polling replicas sharing a lease in Redis', () => {
  // A bot of its own per run: claims and the lease live a while in the shared Redis.
  const botId = 100_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const token = `${botId}:TEST-token-abcdefghijklmnopqrstuvwxyz`;
  let api: FakeBotApi;
  let db: TestDatabase;
  let replicas: Replica[];

  const env = (r: Omit<Replica, 'process'>) => ({
    DATABASE_URL: db.url!,
    DATA_DIR: r.dataDir,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: api.apiRoot,
    REDIS_URL: TEST_REDIS_URL!,
    POLLING_LEASE: 'true',
    POLLING_LEASE_TTL_MS: '3000',
    HOST: '127.0.0.1',
    PORT: String(r.port),
    POLLING_TIMEOUT: '10',
    BATCH_FLUSH_INTERVAL_MS: '500',
    RATE_LIMIT: '1000',
    OUTBOUND_CHAT_PER_SECOND: '1000',
    OUTBOUND_GLOBAL_PER_SECOND: '10000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
  });
  const start = async (name: string): Promise<Replica> => {
    const r = {
      name,
      port: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), 'tgbot-lease-')),
    };
    return { ...r, process: spawnApp(env(r)) };
  };
  /** Starts the process again on the same port and DATA_DIR: its journals replay. */
  const restart = (r: Replica): Replica => ({ ...r, process: spawnApp(env(r)) });
  const get = async (r: Replica, path: string) => {
    const res = await fetch(`http://127.0.0.1:${r.port}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const lease = async (r: Replica): Promise<LeaseView | null> => {
    const res = await get(r, '/bot-optimization').catch(() => null);
    if (res?.status !== 200) return null;
    const { polling } = JSON.parse(res.text);
    return { leader: polling.lease.leader, standby: polling.lease.standby, polls: polling.polls };
  };
  const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      if (replicas.some((r) => r.process.child.exitCode !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = replicas.map((r) => `${r.name}: ${r.process.output().slice(-3000)}`).join('\n');
    throw new Error(`gave up waiting for ${what}\n${logs}`);
  };
  const leaderOf = async (among: Replica[], timeoutMs = 30_000): Promise<Replica> => {
    let leader: Replica | undefined;
    await until(
      async () => {
        const views = await Promise.all(among.map(lease));
        leader = among.find((_, i) => views[i]?.leader);
        return leader !== undefined && views.every((v) => v !== null);
      },
      timeoutMs,
      'a leader',
    );
    return leader!;
  };
  const kill = async (r: Replica) => {
    r.process.child.kill('SIGKILL');
    await r.process.exited;
  };
  const stored = async (from: number, to: number) =>
    (
      await queryDatabase<{ n: number; chats: number }>(
        db.url!,
        `SELECT count(*)::int AS n, count(DISTINCT chat_id)::int AS chats
         FROM messages WHERE chat_id >= $1 AND chat_id < $2`,
        [from, to],
      )
    )[0];
  const repliesPerChat = (from: number, to: number) => {
    const counts = new Map<number, number>();
    for (const call of api.callsOf('sendMessage')) {
      const chat = Number(call.payload.chat_id);
      if (chat >= from && chat < to) counts.set(chat, (counts.get(chat) ?? 0) + 1);
    }
    return counts;
  };
  const counter = async (r: Replica, name: string) => {
    // Summed over every label set.
    const text = (await get(r, '/metrics')).text;
    const lines = text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'));
    return [...lines].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  beforeAll(async () => {
    api = new FakeBotApi(token);
    await api.start();
    db = await createTestDatabase();
    replicas = [await start('a'), await start('b')];
  });
  afterAll(async () => {
    for (const r of replicas ?? []) if (r.process.child.exitCode === null) await kill(r);
    await api?.stop();
    await db?.drop();
  });

  it('lets exactly one replica poll; the other is live but not ready, and says why', async () => {
    const leader = await leaderOf(replicas);
    const standby = replicas.find((r) => r !== leader)!;
    await api.waitFor(() => api.polls.length > 0, 10_000, 'a poll');

    await expect(lease(standby)).resolves.toEqual({ leader: false, standby: true, polls: 0 });
    const ready = await get(standby, '/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text).error.bot).toMatchObject({
      standby: true,
      reason: expect.stringMatching(/standby/),
    });
    expect((await get(standby, '/health/ready?standby=ready')).status).toBe(200);
    expect((await get(standby, '/health/live')).status).toBe(200);
    expect((await get(leader, '/health/ready')).status).toBe(200);
    await expect(counter(leader, 'telegram_bot_polling_leader')).resolves.toBe(1);
    await expect(counter(standby, 'telegram_bot_polling_leader')).resolves.toBe(0);
  });

  it('SIGKILL of the leader mid-burst: the standby polls within 10 s; every message stored once and answered at most once', async () => {
    const first = 500_000;
    const users = 300;
    const leader = await leaderOf(replicas);
    const survivor = replicas.find((r) => r !== leader)!;
    api.latencyMs = 20;
    for (let i = 0; i < users; i++) api.push(textMessage(first + i, `burst ${i}`));
    await api.waitFor(() => repliesPerChat(first, first + users).size >= 60, 30_000, '60 replies');

    await kill(leader);
    const pollsAtKill = api.polls.length;
    // The dead leader's poll ended with its connection: every poll from now on is the standby's.
    await api.waitFor(() => api.polls.length > pollsAtKill, 10_000, 'the standby polling');
    await expect(lease(survivor)).resolves.toMatchObject({ leader: true, standby: false });

    // Updates the dead leader had claimed are its own to finish: it does when it restarts with
    // its DATA_DIR (journal replay), like a container restarted in its pod.
    const restarted = restart(leader);
    replicas = [restarted, survivor];
    await until(async () => (await lease(restarted)) !== null, 30_000, 'the restart');
    const inDoubt = await counter(restarted, 'telegram_bot_effects_in_doubt_total');
    await api.waitFor(
      () => repliesPerChat(first, first + users).size >= users - inDoubt,
      30_000,
      'every user answered',
    );
    await until(async () => (await stored(first, first + users)).n >= users, 30_000, 'rows');

    const replies = repliesPerChat(first, first + users);
    expect([...replies.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(replies.size).toBeGreaterThanOrEqual(users - inDoubt);
    await expect(stored(first, first + users)).resolves.toEqual({ n: users, chats: users });
    await expect(lease(restarted)).resolves.toMatchObject({ leader: false, standby: true });
  });

  it('the new leader drops what the dead leader answered but could not confirm (claimed), and nobody answers twice', async () => {
    const first = 550_000;
    const users = 30;
    api.latencyMs = 0;
    const leader = await leaderOf(replicas);
    const survivor = replicas.find((r) => r !== leader)!;
    // The leader's waiting poll brings the 30 updates; its next polls fail, so Telegram still
    // holds all 30 as unconfirmed when the leader dies, and sends them to the next leader.
    // Once a warm-up message is answered and confirmed, the leader's next long poll is waiting.
    api.push(textMessage(first + users, 'warm-up'));
    await api.waitFor(
      () => api.repliesTo(first + users).length === 1 && api.unconfirmed === 0,
      10_000,
      'the warm-up confirmed',
    );
    api.failNext('getUpdates', 1000, { status: 502, description: 'Bad Gateway' });
    // One page: the waiting poll answers all 30 at once.
    api.push(
      ...Array.from({ length: users }, (_, i) => textMessage(first + i, `unconfirmed ${i}`)),
    );
    await api.waitFor(() => repliesPerChat(first, first + users).size === users, 20_000, 'replies');

    // Answered, and still unconfirmed.
    const unconfirmed = api.unconfirmed;
    expect(unconfirmed).toBe(users);
    await kill(leader);
    api.clearFaults('getUpdates');
    replicas = [survivor];
    const claimedBefore = await counter(survivor, 'telegram_bot_updates_duplicate_total');
    await until(
      async () =>
        (await counter(survivor, 'telegram_bot_updates_duplicate_total')) >=
        claimedBefore + unconfirmed,
      20_000,
      'the survivor dropping the claimed updates',
    );
    const restarted = restart(leader);
    replicas = [restarted, survivor];
    await until(async () => (await stored(first, first + users)).n >= users, 30_000, 'rows');

    const replies = repliesPerChat(first, first + users);
    expect([...replies.values()]).toEqual(Array(users).fill(1));
    await expect(stored(first, first + users)).resolves.toEqual({ n: users, chats: users });
  });

  it('a graceful stop releases the lease: the standby takes over and answers what comes next', async () => {
    const first = 600_000;
    expect(replicas).toHaveLength(2);
    const leader = await leaderOf(replicas);
    const standby = replicas.find((r) => r !== leader)!;
    const termsBefore = await counter(standby, 'telegram_bot_polling_lease_terms_total');

    leader.process.child.kill('SIGTERM');
    await expect(leader.process.exited).resolves.toBe(0);
    replicas = [standby];
    await leaderOf([standby]);
    for (let i = 0; i < 20; i++) api.push(textMessage(first + i, `after ${i}`));
    await api.waitFor(() => repliesPerChat(first, first + 20).size === 20, 20_000, '20 replies');

    expect([...repliesPerChat(first, first + 20).values()].every((n) => n === 1)).toBe(true);
    await expect(counter(standby, 'telegram_bot_polling_lease_terms_total')).resolves.toBe(
      termsBefore + 1,
    );
    // Released, not expired: the new leader never met the old one's poll (no 409).
    await expect(counter(standby, 'telegram_bot_poll_conflicts_total')).resolves.toBe(0);
  });

  it('a 409 (a webhook is set) makes the leader step down; it leads again once the conflict is gone', async () => {
    const [only] = replicas;
    await leaderOf([only]);
    api.webhook = { url: 'https://elsewhere.example.com/hook' };

    await until(
      async () => (await counter(only, 'telegram_bot_polling_lease_ended_total')) >= 1,
      20_000,
      'the step-down',
    );
    await expect(lease(only)).resolves.toMatchObject({ leader: false, standby: true });
    api.webhook = null;
    await leaderOf([only], 90_000);
  });
});
