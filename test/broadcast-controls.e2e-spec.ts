import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';

jest.setTimeout(120_000);

const ADMIN = 910_000;
const USERS = Array.from({ length: 120 }, (_, i) => 310_001 + i);

/** An admin pauses, resumes and cancels a campaign; the status message follows. */
describe('broadcast controls', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    // 40 sends a second: three seconds per broadcast, time for the admin's commands.
    t = await startBotApp({ ADMIN_USER_ID: String(ADMIN), OUTBOUND_GLOBAL_PER_SECOND: '40' });
    t.api.push(textMessage(ADMIN, '/start'), ...USERS.map((id) => textMessage(id, 'hi')));
    await t.api.waitFor(
      () => USERS.every((id) => t.api.repliesTo(id).length > 0),
      60_000,
      'every user answered',
    );
  });
  afterAll(() => t.close());

  const sends = (text: string) =>
    t.api.callsOf('sendMessage').filter((c) => c.payload.text === text);
  const statusEdits = () =>
    t.api
      .callsOf('editMessageText')
      .filter((c) => Number(c.payload.chat_id) === ADMIN)
      .map((c) => String(c.payload.text));
  const statusShows = (prefix: string) => () => statusEdits().some((e) => e.startsWith(prefix));
  /** Sends a command and waits for the admin's answer to it. */
  async function command(text: string): Promise<string> {
    const before = t.api.repliesTo(ADMIN).length;
    t.api.push(textMessage(ADMIN, text));
    await t.api.waitFor(() => t.api.repliesTo(ADMIN).length > before, 15_000, text);
    return t.api.repliesTo(ADMIN)[before];
  }

  it('pauses, refuses a second campaign meanwhile, resumes, and reaches everyone once', async () => {
    await command('/broadcast first news');
    await t.api.waitFor(() => sends('first news').length >= 20, 15_000, 'sending under way');

    await expect(command('/broadcast_pause')).resolves.toBe('Broadcast paused.');
    await t.api.waitFor(statusShows('Broadcast paused at'), 15_000, 'paused status');
    const whilePaused = sends('first news').length;
    expect(whilePaused).toBeLessThan(USERS.length + 1);
    await expect(command('/broadcast other news')).resolves.toBe(
      'A broadcast is already running or paused. Send /broadcast_cancel to stop it first.',
    );
    await expect(command('/broadcast_pause')).resolves.toBe('No broadcast is running.');
    // A reply went out after the pause was shown: nothing else was sent meanwhile.
    expect(sends('first news')).toHaveLength(whilePaused);

    await expect(command('/broadcast_resume')).resolves.toBe('Broadcast resumed.');
    await t.api.waitFor(statusShows('Broadcast finished: 100%'), 30_000, 'finished status');
    const chats = sends('first news').map((c) => Number(c.payload.chat_id));
    expect(chats.sort()).toEqual([...USERS, ADMIN].sort());
    expect(sends('other news')).toEqual([]);
  });

  it('cancels a campaign: the rest get nothing, and a new one may start', async () => {
    await command('/broadcast second news');
    await t.api.waitFor(() => sends('second news').length >= 20, 15_000, 'sending under way');
    await expect(command('/broadcast_cancel')).resolves.toBe('Broadcast cancelled.');
    await t.api.waitFor(statusShows('Broadcast cancelled at'), 15_000, 'cancelled status');
    const sent = sends('second news').length;
    expect(sent).toBeLessThan(USERS.length);
    await expect(command('/broadcast_resume')).resolves.toBe('No broadcast is paused.');
    expect(sends('second news')).toHaveLength(sent);

    const started = await command('/broadcast third news');
    expect(started).toMatch(/^Broadcast in progress: 0%\nTo 121 users\./);
  });
});
