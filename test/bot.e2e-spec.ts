import { MENU_PROFILE, texts, translations } from './support/texts';
import {
  callbackQuery,
  groupChat,
  stickerMessage,
  textMessage,
  user,
} from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { whenSettled } from './support/settled';

const ADMIN = 4242;

describe('reference bot over the fake Bot API', () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp({ ADMIN_USER_ID: String(ADMIN) });
  });
  afterAll(() => t.close());

  const rowsFor = (userId: number) =>
    t.query('SELECT * FROM messages WHERE user_id = $1 ORDER BY update_id', [userId]);
  const userRow = async (userId: number) =>
    (await t.query('SELECT * FROM users WHERE id = $1', [userId]))[0];
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('polls with offset, limit 100, the configured timeout and only the update types it handles', async () => {
    await t.api.waitFor(() => t.api.polls.length > 0, 10_000, 'first poll');
    const poll = t.api.polls[t.api.polls.length - 1];
    expect(poll).toMatchObject({
      limit: 100,
      timeout: 1,
      allowed_updates: ['message', 'callback_query', 'my_chat_member'],
    });
  });

  it('registers a user on /start and answers with a menu', async () => {
    t.api.push(textMessage(1001, '/start'));
    await t.api.waitFor(() => t.api.repliesTo(1001).length === 1, 10_000, 'welcome');
    const reply = t.api.callsOf('sendMessage').find((c) => c.payload.chat_id === 1001)!;
    expect(reply.payload.text).toBe(texts.welcome('User1001'));
    expect(reply.payload.reply_markup.inline_keyboard[0].map((b: any) => b.text)).toEqual([
      'Profile',
      'Help',
    ]);
    await until(async () => (await userRow(1001)) !== undefined, 'user row');
    await expect(userRow(1001)).resolves.toMatchObject({
      username: 'user1001',
      first_name: 'User1001',
      message_count: 1,
    });
  });

  it('stores any other text and acknowledges it exactly once', async () => {
    const [updateId] = t.api.push(textMessage(1002, 'hello there'));
    await t.api.waitFor(() => t.api.repliesTo(1002).length === 1, 10_000, 'ack');
    await until(async () => (await rowsFor(1002)).length === 1, 'message row');
    const [row] = await rowsFor(1002);
    // bigint columns: pg returns strings, PGlite numbers.
    expect({
      text: row.text,
      chatId: Number(row.chat_id),
      updateId: Number(row.update_id),
    }).toEqual({
      text: 'hello there',
      chatId: 1002,
      updateId,
    });
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'update confirmed');
    await whenSettled(t.app);
    expect(t.api.repliesTo(1002)).toEqual([texts.saved]);
  });

  it('shows an up-to-date profile on /me', async () => {
    t.api.push(textMessage(1003, '/start'), textMessage(1003, 'one'), textMessage(1003, 'two'));
    await t.api.waitFor(() => t.api.repliesTo(1003).length === 3, 10_000, 'three replies');
    t.api.push(textMessage(1003, '/me'));
    await t.api.waitFor(() => t.api.repliesTo(1003).length === 4, 10_000, 'profile');
    expect(t.api.repliesTo(1003)[3]).toContain('Messages: 4');
    t.api.push(textMessage(1003, 'three'), textMessage(1003, '/me'));
    await t.api.waitFor(() => t.api.repliesTo(1003).length === 6, 10_000, 'second profile');
    expect(t.api.repliesTo(1003)[5]).toContain('Messages: 6');
  });

  it('answers callback buttons, and stale ones too', async () => {
    t.api.push(textMessage(1004, '/start'));
    await t.api.waitFor(() => t.api.repliesTo(1004).length === 1, 10_000, 'welcome');
    t.api.push(callbackQuery(1004, MENU_PROFILE, 77), callbackQuery(1004, 'something-old'));
    await t.api.waitFor(
      () => t.api.callsOf('answerCallbackQuery').length >= 2,
      10_000,
      'callback answers',
    );
    const edit = t.api.callsOf('editMessageText').find((c) => c.payload.chat_id === 1004)!;
    expect(edit.payload).toMatchObject({ message_id: 77 });
    expect(edit.payload.text).toContain('Messages: 1');
    const answers = t.api.callsOf('answerCallbackQuery').map((c) => c.payload.text ?? null);
    expect(answers).toContain(texts.expiredButton);
  });

  it('keeps order within a chat while other chats proceed', async () => {
    t.api.chatLatencyMs.set(1005, 700);
    t.api.push(
      textMessage(1005, '/help'),
      textMessage(1005, 'second'),
      textMessage(1005, '/me'),
      textMessage(1006, 'other chat'),
    );
    await t.api.waitFor(() => t.api.repliesTo(1006).length === 1, 10_000, 'other chat reply');
    // The slow chat has not finished its first reply when the other chat is already answered.
    expect(t.api.repliesTo(1005).length).toBeLessThan(3);
    await t.api.waitFor(() => t.api.repliesTo(1005).length === 3, 10_000, 'slow chat replies');
    const replies = t.api.repliesTo(1005);
    expect(replies[0]).toBe(texts.help);
    expect(replies[1]).toBe(texts.saved);
    expect(replies[2]).toContain('Messages: 3');
    t.api.chatLatencyMs.delete(1005);
  });

  it('processes an update served twice only once', async () => {
    const update = { update_id: 500_000, ...textMessage(1007, 'only once') };
    t.api.push(update);
    await t.api.waitFor(() => t.api.repliesTo(1007).length === 1, 10_000, 'first reply');
    await until(async () => (await rowsFor(1007)).length === 1, 'row');
    t.api.push(update);
    t.api.push(textMessage(1007, 'next'));
    await t.api.waitFor(() => t.api.repliesTo(1007).length === 2, 10_000, 'next reply');
    await until(async () => (await rowsFor(1007)).length === 2, 'second row');
    expect(t.api.repliesTo(1007)).toEqual([texts.saved, texts.saved]);
    expect((await rowsFor(1007)).map((r) => r.text)).toEqual(['only once', 'next']);
  });

  it('keeps going after a handler fails, telling the user with a fixed text', async () => {
    t.api.failNext('sendMessage', 1, { status: 400, description: 'Bad Request: simulated' });
    t.api.push(textMessage(1008, 'this one fails'));
    await t.api.waitFor(() => t.api.repliesTo(1008).length === 1, 10_000, 'failure notice');
    expect(t.api.repliesTo(1008)).toEqual([translations.t('en', 'failure')]);
    t.api.push(textMessage(1008, 'this one works'));
    await t.api.waitFor(() => t.api.repliesTo(1008).length === 2, 10_000, 'next reply');
    expect(t.api.repliesTo(1008)[1]).toBe(texts.saved);
  });

  it('survives a second poller (409) and goes on answering', async () => {
    const conflict = await fetch(`${t.api.apiRoot}/bot${t.api.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 0, offset: -1 }),
    });
    expect(conflict.status).toBe(200);
    t.api.push(textMessage(1009, 'after the conflict'));
    await t.api.waitFor(() => t.api.repliesTo(1009).length === 1, 15_000, 'reply after conflict');
  });

  it('answers /cmd@botname in groups and ignores other group chatter', async () => {
    const group = groupChat(-100123);
    t.api.push(
      textMessage(1010, '/help@test_bot', { chat: group }),
      textMessage(1010, 'just chatting', { chat: group }),
      textMessage(1011, '/help@other_bot', { chat: group }),
    );
    await t.api.waitFor(() => t.api.repliesTo(-100123).length === 1, 10_000, 'group help');
    await t.api.waitFor(() => t.api.unconfirmed === 0, 10_000, 'updates confirmed');
    await whenSettled(t.app);
    expect(t.api.repliesTo(-100123)).toEqual([texts.help]);
  });

  it('survives odd input without crashing', async () => {
    const longName = user(1012, { first_name: 'N'.repeat(10_000), last_name: '\u202e\u0000evil' });
    t.api.push(
      stickerMessage(1012),
      textMessage(1012, 'x'.repeat(4096), { from: longName }),
      textMessage(1012, 'null \u0000 byte, emoji 👩‍👩‍👧, RTL \u202e'),
      textMessage(1012, 'no sender', { from: null }),
    );
    await t.api.waitFor(() => t.api.repliesTo(1012).length === 4, 10_000, 'four replies');
    await until(
      async () =>
        (await t.query('SELECT count(*)::int AS n FROM messages WHERE chat_id = 1012'))[0].n === 4,
      'rows',
    );
    const stored = await userRow(1012);
    expect(stored.first_name.length).toBeLessThanOrEqual(256);
    t.api.push(textMessage(1012, 'still alive'));
    await t.api.waitFor(() => t.api.repliesTo(1012).length === 5, 10_000, 'still alive');
  });

  it('lets admins see stats and broadcast, and refuses everyone else', async () => {
    t.api.push(textMessage(1013, '/stats'), textMessage(1013, '/broadcast hi all'));
    await t.api.waitFor(() => t.api.repliesTo(1013).length === 2, 10_000, 'refusals');
    expect(t.api.repliesTo(1013)).toEqual([texts.adminOnly, texts.adminOnly]);

    t.api.push(textMessage(ADMIN, '/stats'));
    await t.api.waitFor(() => t.api.repliesTo(ADMIN).length === 1, 10_000, 'stats');
    expect(t.api.repliesTo(ADMIN)[0]).toMatch(
      /^Users: \d+ \(active \d+, blocked 0\)\nMessages: \d+/,
    );

    await until(async () => (await userRow(ADMIN)) !== undefined, 'admin row');
    const users = Number((await t.query('SELECT count(*)::int AS n FROM users'))[0].n);
    t.api.push(textMessage(ADMIN, '/broadcast Maintenance at noon'));
    const finished = () =>
      t.api
        .callsOf('editMessageText')
        .find((c) => String(c.payload.text).startsWith('Broadcast finished: 100%'));
    await t.api.waitFor(() => finished() !== undefined, 20_000, 'status at 100 %');
    expect(finished()!.payload.text).toBe(
      `Broadcast finished: 100%.\nTo ${users} users.\nSent: ${users}, blocked the bot: 0, failed: 0, unconfirmed: 0`,
    );
    expect(
      t.api.callsOf('sendMessage').filter((c) => c.payload.text === 'Maintenance at noon'),
    ).toHaveLength(users);
  });
});
