import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TgMessage } from '../src/sandbox/emulator/telegram.types';
import { openSandboxEvents, type SandboxEvents } from './support/sandbox-events';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process';
import { MENU_HELP, MENU_LANGUAGE, MENU_PROFILE } from './support/texts';

/**
 * `npm run sandbox` as a script would use it: the real entry point as a child process, with no
 * database server (PGlite), a real-looking token and API root and webhook mode in its environment
 * (all ignored), driven only through the JSON API and its events.
 */
describe('sandbox JSON API', () => {
  let sandbox: SandboxProcess;
  let events: SandboxEvents;
  const dataDir = mkdtempSync(join(tmpdir(), 'tgbot-sandbox-api-'));
  const BOB = 10_002;
  const ALICE = 10_001;
  const GROUP = -1_001_000_000_001;

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${sandbox.url}sandbox/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const get = async (path: string) => {
    const res = await fetch(`${sandbox.url}sandbox/api/${path}`);
    return { status: res.status, body: (await res.json()) as any };
  };
  const history = async (chatId: number): Promise<TgMessage[]> =>
    (await get(`chats/${chatId}/messages`)).body.messages;
  const botSays = (chatId: number, pattern: RegExp) =>
    events.next(
      (e) =>
        (e.type === 'message' || e.type === 'edit') &&
        e.chatId === chatId &&
        e.message.from?.is_bot === true &&
        pattern.test(e.message.text ?? ''),
    );

  beforeAll(async () => {
    sandbox = await startSandboxProcess({
      DATA_DIR: dataDir,
      TELEGRAM_BOT_TOKEN: '123456:REAL-token-that-must-never-be-used-xyz',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
      BOT_MODE: 'webhook',
    });
    events = await openSandboxEvents(sandbox.url);
  }, 120_000);

  afterAll(async () => {
    events?.close();
    if (sandbox) expect(await sandbox.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints exactly one line, the page address on 127.0.0.1', async () => {
    expect(sandbox.output()).toBe(`Sandbox: ${sandbox.url}\n`);
    const page = await fetch(sandbox.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Bot sandbox</title>');
  });

  it('delivers a message as an update and keeps the chat history in order with the keyboard', async () => {
    const reply = botSays(BOB, /^Welcome, Bob!/);
    const sent = await post(`users/${BOB}/messages`, { text: '/start' });
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({ update_id: expect.any(Number), chat_id: BOB, message_id: 1 });
    const event = await reply;
    expect((await get(`chats/${BOB}/messages`)).body.seq).toBeGreaterThanOrEqual(event.seq);

    const messages = await history(BOB);
    expect(messages.map((m) => [m.message_id, m.from?.id, m.text?.split('\n')[0]])).toEqual([
      [1, BOB, '/start'],
      [2, 7_000_000_001, 'Welcome, Bob! I keep your messages and a small profile.'],
    ]);
    expect(messages[0].entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);
    expect(messages[1].reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Profile', callback_data: MENU_PROFILE },
          { text: 'Help', callback_data: MENU_HELP },
        ],
        [{ text: 'Language', callback_data: MENU_LANGUAGE }],
      ],
    });
  });

  it('presses a button: the callback is answered and the message edited in place', async () => {
    const edited = botSays(BOB, /^Profile of Bob/);
    const pressed = await post(`users/${BOB}/callbacks`, { messageId: 2, data: MENU_PROFILE });
    expect(pressed.status).toBe(201);
    const { callback_query_id } = pressed.body;
    await edited;
    await events.next((e) => e.type === 'toast' && e.callbackQueryId === callback_query_id);

    const messages = await history(BOB);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({ message_id: 2, edit_date: expect.any(Number) });
    expect(messages[1].text).toMatch(/^Profile of Bob \(@bob_sandbox\)\nMessages: 1/);
    expect(messages[1].reply_markup).toBeUndefined();
    expect((await get(`callbacks/${callback_query_id}`)).body).toEqual({
      answered: true,
      text: '',
      showAlert: false,
    });
  });

  it('says "Slow down" once a user is over 10 messages a minute', async () => {
    const notice = botSays(BOB, /^Slow down: try again in \d+ s$/);
    for (let i = 1; i <= 11; i++) {
      expect((await post(`users/${BOB}/messages`, { text: `note ${i}` })).status).toBe(201);
    }
    await notice;
    const texts = (await history(BOB)).map((m) => m.text);
    expect(texts.filter((t) => t?.startsWith('Slow down'))).toHaveLength(1);
  }, 60_000);

  it('answers /stats to the admin only, in private and in the group', async () => {
    const stats = botSays(ALICE, /^Users: \d+ \(active \d+, blocked \d+\)\nMessages: \d+/);
    await post(`users/${ALICE}/messages`, { text: '/stats' });
    await stats;

    const refused = botSays(GROUP, /^Sorry, this command is for the bot administrators\.$/);
    await post(`users/${10_003}/messages`, { text: '/stats', chatId: GROUP });
    await refused;
    expect((await history(GROUP)).map((m) => m.from?.first_name)).toEqual(['Carol', 'Sandbox Bot']);
  });

  it('adds a user who can write to the bot and the group', async () => {
    const added = await post('users', { firstName: 'Dave' });
    expect(added.status).toBe(201);
    const reply = botSays(added.body.id, /^Welcome, Dave!/);
    await post(`users/${added.body.id}/messages`, { text: '/start' });
    await reply;
    expect(
      (await post(`users/${added.body.id}/messages`, { text: 'hi', chatId: GROUP })).status,
    ).toBe(201);
  });

  it('refuses bad requests with a clear error and queues nothing', async () => {
    const before = (await history(BOB)).length;
    expect(await post('users/424242/messages', { text: 'hi' })).toEqual({
      status: 404,
      body: { error: 'user not found' },
    });
    expect(await post(`users/${BOB}/messages`, { text: '' })).toEqual({
      status: 400,
      body: { error: 'message text is empty' },
    });
    expect(await post(`users/${BOB}/messages`, { text: 'x', chatId: ALICE })).toEqual({
      status: 404,
      body: { error: 'chat not found (or the user is not in it)' },
    });
    expect(await post(`users/${BOB}/callbacks`, { messageId: 2, data: 'menu:forged' })).toEqual({
      status: 400,
      body: { error: 'the message has no button with this callback_data' },
    });
    expect((await post(`users/${BOB}/messages`, { chatId: 'x', text: 'y' })).status).toBe(400);
    expect((await get('chats/555/messages')).status).toBe(404);
    const form = await fetch(`${sandbox.url}sandbox/api/users/${BOB}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"text": "from another site"}',
    });
    expect(form.status).toBe(415);
    expect((await history(BOB)).length).toBe(before);
  });

  it('answers the Bot API wire format: 401 for another token, 404 for an unknown path', async () => {
    const wrong = await fetch(
      `${sandbox.url}bot123456:REAL-token-that-must-never-be-used-xyz/getMe`,
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
    expect((await fetch(`${sandbox.url}nothing-here`)).status).toBe(404);
  });

  it('shows the app figures on its own origin', async () => {
    const figures = await get('app/bot-optimization');
    expect(figures.status).toBe(200);
    expect(figures.body).toMatchObject({ mode: 'polling', rateLimit: { limit: 10 } });
    expect(figures.body.rateLimit.limitedTotal).toBeGreaterThan(0);
  });

  it('answers after a restart on the same DATA_DIR: no update or message id is used twice', async () => {
    const before = await history(BOB);
    const lastId = before.at(-1)!.message_id;
    events.close();
    expect(await sandbox.stop()).toBe(0);
    sandbox = await startSandboxProcess({ DATA_DIR: dataDir });
    events = await openSandboxEvents(sandbox.url);

    const reply = botSays(BOB, /^Profile of Bob/);
    const sent = await post(`users/${BOB}/messages`, { text: '/me' });
    expect(sent.body.message_id).toBeGreaterThan(lastId);
    await reply;
    // The history is the emulator's (in memory); the profile is the service's (PGlite, kept).
    const [, profile] = await history(BOB);
    expect(Number(/\nMessages: (\d+)\n/.exec(profile.text!)?.[1])).toBeGreaterThan(1);
  }, 120_000);
});
