import { CAMPAIGN_BATCH_SIZE } from '../src/broadcasts/campaign.run';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { myChatMember, textMessage } from './fake-bot-api/updates';
import { spawnApp, type AppProcess } from './support/app-process';
import { TEST_TOKEN } from './support/bot-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

jest.setTimeout(180_000);

const ADMIN = 900_000;
const FIRST_USER = 300_001;
const USERS = Array.from({ length: 500 }, (_, i) => FIRST_USER + i);
/** Blocked the bot through my_chat_member; the first of them unblocks it again. */
const KICKED = USERS.slice(100, 110);
/** Blocked the bot without Telegram telling us: their sends answer 403. */
const FORBIDDEN = USERS.slice(400, 405);

const appEnv = (api: FakeBotApi, db: TestDatabase) => ({
  ...db.env,
  TELEGRAM_BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: api.apiRoot,
  ADMIN_USER_ID: String(ADMIN),
  HOST: '127.0.0.1',
  PORT: '0',
  POLLING_TIMEOUT: '1',
  BATCH_FLUSH_INTERVAL_MS: '50',
  RATE_LIMIT: '1000',
  OUTBOUND_CHAT_PER_SECOND: '1000',
  // The broadcast takes a few seconds: time to kill the process in the middle of it.
  OUTBOUND_GLOBAL_PER_SECOND: '150',
  LOG_LEVEL: 'warn',
});

async function kill(app: AppProcess): Promise<void> {
  app.child.kill('SIGKILL');
  await app.exited;
}

/**
 * A campaign survives SIGKILL: the restarted process (same database and DATA_DIR) resumes from
 * the stored cursor, nobody gets the message twice, blocked users never, and the admin's status
 * message ends at 100 %.
 */
describe('broadcast campaigns', () => {
  let api: FakeBotApi;
  let db: TestDatabase;
  let running: AppProcess | undefined;

  beforeAll(async () => {
    api = new FakeBotApi(TEST_TOKEN);
    await api.start();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    if (running) await kill(running);
    await api.stop();
    await db.drop();
  });

  const broadcasts = () => api.callsOf('sendMessage').filter((c) => c.payload.text === 'hello');
  /** The admin's /stats answer, asked until `expected` holds (writes land asynchronously). */
  async function statsUntil(expected: RegExp): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const before = api.repliesTo(ADMIN).length;
      api.push(textMessage(ADMIN, '/stats'));
      await api.waitFor(() => api.repliesTo(ADMIN).length > before, 15_000, '/stats');
      const reply = api
        .repliesTo(ADMIN)
        .slice(before)
        .find((r) => r.startsWith('Users:'));
      if (reply && expected.test(reply)) return reply;
      if (attempt === 50) throw new Error(`/stats never matched ${expected}: ${reply}`);
    }
  }

  it('delivers to 500 users exactly once across a SIGKILL half-way, skipping blocked users', async () => {
    running = spawnApp(appEnv(api, db));
    await api.waitFor(() => api.polls.length > 0, 30_000, 'first poll');
    api.push(textMessage(ADMIN, '/start'), ...USERS.map((id) => textMessage(id, 'hi')));
    await api.waitFor(
      () => USERS.every((id) => api.repliesTo(id).length > 0),
      60_000,
      'every user answered',
    );
    api.push(...KICKED.map((id) => myChatMember(id, 'kicked')));
    await statsUntil(/^Users: 501 \(active 491, blocked 10\)/);
    api.push(myChatMember(KICKED[0], 'member'));
    await statsUntil(/^Users: 501 \(active 492, blocked 9\)/);
    FORBIDDEN.forEach((id) => api.blockedChats.add(id));

    api.push(textMessage(ADMIN, '/broadcast hello'));
    await api.waitFor(() => broadcasts().length >= 250, 60_000, '250 broadcast sends');
    await kill(running);
    const beforeKill = broadcasts().length;
    expect(beforeKill).toBeLessThan(480);

    running = spawnApp(appEnv(api, db));
    const edits = () =>
      api.callsOf('editMessageText').filter((c) => Number(c.payload.chat_id) === ADMIN);
    const last = () => String(edits()[edits().length - 1]?.payload.text ?? '');
    await api.waitFor(() => last().startsWith('Broadcast finished'), 60_000, 'status at 100 %');
    expect(broadcasts().length).toBeGreaterThan(beforeKill);

    const perChat = new Map<number, number>();
    for (const call of broadcasts()) {
      const chat = Number(call.payload.chat_id);
      perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
    }
    expect([...perChat].filter(([, n]) => n > 1)).toEqual([]);
    const blocked = [...KICKED.slice(1), ...FORBIDDEN];
    expect(blocked.filter((id) => perChat.has(id))).toEqual([]);
    const reachable = [ADMIN, ...USERS].filter((id) => !blocked.includes(id));
    const missing = reachable.filter((id) => !perChat.has(id));

    const status = last().split('\n');
    expect(status.slice(0, 2)).toEqual([
      'Broadcast finished: 100%.',
      `To ${reachable.length + FORBIDDEN.length} users.`,
    ]);
    const [sent, blockedCount, failed, inDoubt] = (status[2].match(/\d+/g) ?? []).map(Number);
    expect([blockedCount, failed]).toEqual([FORBIDDEN.length, 0]);
    // The batch recorded as attempted when the kill came is in doubt and never sent again: some
    // of its recipients got the message, the others miss it. Everyone else got it once.
    expect(inDoubt).toBeLessThanOrEqual(CAMPAIGN_BATCH_SIZE);
    expect(missing.length).toBeLessThanOrEqual(inDoubt);
    expect(sent + inDoubt).toBe(reachable.length);
    expect(perChat.size).toBe(reachable.length - missing.length);
    // The 403s marked their users blocked.
    await statsUntil(/^Users: 501 \(active 487, blocked 14\)/);

    running.child.kill('SIGTERM');
    await expect(running.exited).resolves.toBe(0);
    running = undefined;
  });
});
