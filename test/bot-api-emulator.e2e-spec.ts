import { request } from 'node:http';
import { SANDBOX_CAST } from '../src/sandbox/sandbox.config';
import { SandboxServer } from '../src/sandbox/sandbox.server';

/**
 * The emulator's Bot API as the sandbox runs it (strict, Telegram's flood limits), called over
 * HTTP like a bot would, without the service.
 */
describe('Bot API emulator (strict, as in the sandbox)', () => {
  const TOKEN = '4242:sandbox-test-token';
  const BOB = 10_002;
  const GROUP = -1_001_000_000_001;
  let server: SandboxServer;
  let root: string;

  const call = async (method: string, params: Record<string, unknown> = {}) => {
    const res = await fetch(`${root}/bot${TOKEN}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeEach(async () => {
    server = new SandboxServer({ token: TOKEN }, SANDBOX_CAST);
    root = await server.start();
  });

  afterEach(() => server.stop());

  it('answers an unknown method with 404 and an unknown chat with 400', async () => {
    expect(await call('sendDice', { chat_id: BOB })).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    });
    expect((await call('sendMessage', { chat_id: 1, text: 'x' })).body.description).toBe(
      'Bad Request: chat not found',
    );
  });

  it('renders parse_mode HTML into entities and refuses broken markup', async () => {
    const sent = await call('sendMessage', {
      chat_id: BOB,
      text: '<b>Hi</b> &lt;3',
      parse_mode: 'HTML',
    });
    expect(sent.body.result).toMatchObject({
      text: 'Hi <3',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
    });
    const broken = await call('sendMessage', { chat_id: BOB, text: '<b>Hi', parse_mode: 'HTML' });
    expect(broken.status).toBe(400);
    expect(broken.body.description).toMatch(/^Bad Request: can't parse entities: /);
  });

  it('applies Telegram flood limits with 429 and retry_after', async () => {
    for (let i = 0; i < 3; i++)
      expect((await call('sendMessage', { chat_id: BOB, text: `m${i}` })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: BOB, text: 'too fast' })).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
    });
    expect(server.store.history(BOB).map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
  });

  it('edits in place, refuses an edit that changes nothing, and drops the keyboard when omitted', async () => {
    server.floodLimits = null;
    const keyboard = { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] };
    const sent = await call('sendMessage', { chat_id: BOB, text: 'menu', reply_markup: keyboard });
    const id = sent.body.result.message_id;
    const same = await call('editMessageText', {
      chat_id: BOB,
      message_id: id,
      text: 'menu',
      reply_markup: keyboard,
    });
    expect(same.body.description).toMatch(/^Bad Request: message is not modified/);
    const edited = await call('editMessageText', { chat_id: BOB, message_id: id, text: 'done' });
    expect(edited.body.result).toMatchObject({
      message_id: id,
      text: 'done',
      edit_date: expect.any(Number),
    });
    expect(server.store.history(BOB)).toEqual([edited.body.result]);
    expect(
      (await call('editMessageText', { chat_id: BOB, message_id: 99, text: 'x' })).body.description,
    ).toBe('Bad Request: message to edit not found');
  });

  it('answers a callback query once, as Telegram does', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] };
    const sent = await call('sendMessage', { chat_id: BOB, text: 'menu', reply_markup: keyboard });
    const { callback_query_id } = server.userPresses(BOB, BOB, sent.body.result.message_id, 'go');
    expect((await call('answerCallbackQuery', { callback_query_id, text: 'ok' })).status).toBe(200);
    expect((await call('answerCallbackQuery', { callback_query_id })).status).toBe(400);
    expect(server.callbackAnswer(callback_query_id)).toEqual({ text: 'ok', showAlert: false });
  });

  it('ends a waiting long poll with 409 when a second poller arrives, and serves updates by offset', async () => {
    const first = call('getUpdates', { timeout: 5 });
    await new Promise<void>((resolve) => server.once('poll', resolve));
    const second = call('getUpdates', { timeout: 0 });
    expect((await first).status).toBe(409);
    expect((await second).body).toEqual({ ok: true, result: [] });

    const { update_id } = server.userSends(BOB, 'hello');
    const got = await call('getUpdates', { timeout: 1, allowed_updates: ['message'] });
    expect(got.body.result.map((u: { update_id: number }) => u.update_id)).toEqual([update_id]);
    expect((await call('getUpdates', { offset: update_id + 1, timeout: 0 })).body.result).toEqual(
      [],
    );
  });

  it('resolves the / menu by scope and language like a Telegram client', async () => {
    await call('setMyCommands', { commands: [{ command: 'start', description: 'Start' }] });
    await call('setMyCommands', {
      commands: [{ command: 'stats', description: 'Statistics' }],
      scope: { type: 'chat', chat_id: 10_001 },
    });
    await call('setMyCommands', {
      commands: [{ command: 'start', description: 'Начать' }],
      language_code: 'ru',
    });
    expect(server.menuFor(10_001, 10_001)).toEqual([
      { command: 'stats', description: 'Statistics' },
    ]);
    expect(server.menuFor(BOB, BOB)).toEqual([{ command: 'start', description: 'Start' }]);
    expect(server.menuFor(GROUP, BOB)).toEqual([{ command: 'start', description: 'Start' }]);
    server.addUser({ id: 20_000, first_name: 'Ivan', language_code: 'ru' });
    expect(server.menuFor(20_000, 20_000)).toEqual([{ command: 'start', description: 'Начать' }]);
    expect(
      (await call('setMyCommands', { commands: [{ command: 'Bad!', description: 'x' }] })).status,
    ).toBe(400);
  });

  it('limits a group to 20 messages a minute', async () => {
    server.floodLimits = {
      globalPerSecond: 1000,
      chatPerSecond: 1000,
      chatBurst: 1000,
      groupPerMinute: 20,
    };
    for (let i = 0; i < 20; i++)
      expect((await call('sendMessage', { chat_id: GROUP, text: `g${i}` })).status).toBe(200);
    const refused = await call('sendMessage', { chat_id: GROUP, text: 'one more' });
    expect(refused.status).toBe(429);
    expect(refused.body.parameters.retry_after).toBeGreaterThan(50);
  });

  it('serves the page and its API only to requests that name a loopback host', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${root}/sandbox/api/state`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(root).port;
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`rebound.example:${port}`)).toBe(403);
  });

  it('refuses a body over 1 MB with 413 and stores nothing', async () => {
    const res = await fetch(`${root}/sandbox/api/users/${BOB}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(server.store.history(BOB)).toEqual([]);
  });
});
