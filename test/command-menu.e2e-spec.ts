import { Logger } from '@nestjs/common';
import { FakeBotApi } from './fake-bot-api/fake-bot-api.server';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, TEST_TOKEN, type BotTestContext } from './support/bot-app';
import { translations } from './support/texts';

const ADMINS = [4242, 4343];
const USER = ['start', 'help', 'me', 'settings'];
const ADMIN = [
  ...USER,
  'stats',
  'broadcast',
  'broadcast_pause',
  'broadcast_resume',
  'broadcast_cancel',
];

/** The menus the bot set, one line per call: scope, language, commands. */
const menusSet = (api: FakeBotApi) =>
  api
    .callsOf('setMyCommands')
    .map(({ payload }) => {
      const scope =
        payload.scope.type === 'chat' ? `chat ${payload.scope.chat_id}` : payload.scope.type;
      const commands = (payload.commands as { command: string }[]).map((c) => c.command).join(',');
      return `${scope} ${payload.language_code ?? '-'} ${commands}`;
    })
    .sort();

const expectedMenus = [
  ...['-', 'en', 'ru'].map((lang) => `default ${lang} ${USER.join(',')}`),
  ...ADMINS.flatMap((id) =>
    ['-', 'en', 'ru'].map((lang) => `chat ${id} ${lang} ${ADMIN.join(',')}`),
  ),
].sort();

async function bootWith(prepare: (api: FakeBotApi) => void): Promise<BotTestContext> {
  const api = new FakeBotApi(TEST_TOKEN);
  await api.start();
  prepare(api);
  const t = await startBotApp({ ADMIN_USER_ID: ADMINS.join(',') }, { api });
  return { ...t, close: () => t.close().finally(() => api.stop()) };
}

describe('command menus at boot', () => {
  let warnings: jest.SpyInstance;

  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => warnings.mockRestore());

  const menuWarnings = () =>
    warnings.mock.calls.filter(([message]) => String(message).startsWith('command menus not set'));

  it('sets the user menu for everyone and the admin menu in each admin chat, in each language', async () => {
    const t = await bootWith(() => undefined);
    try {
      await t.api.waitFor(() => t.api.callsOf('setMyCommands').length === expectedMenus.length);
      expect(menusSet(t.api)).toEqual(expectedMenus);
      const descriptions = (lang?: string) =>
        t.api
          .callsOf('setMyCommands')
          .find((c) => c.payload.scope.type === 'default' && c.payload.language_code === lang)!
          .payload.commands.map((c: { description: string }) => c.description);
      expect(descriptions('ru')).toEqual(
        USER.map((c) => translations.t('ru', `command-${c}` as never)),
      );
      expect(descriptions(undefined)).toEqual(descriptions('en'));
      expect(descriptions('en')[0]).toBe(translations.t('en', 'command-start'));
    } finally {
      await t.close();
    }
  });

  it('answers users while Telegram refuses the menus, retries them, and warns once', async () => {
    // 13 refusals outlast the outbound sender's own retries (5 per call) twice: the registrar
    // fails two rounds, backs off, and warns once.
    const t = await bootWith((api) =>
      api.failNext('setMyCommands', 13, {
        status: 429,
        retryAfter: 0,
        description: 'Too Many Requests: retry after 0',
      }),
    );
    try {
      t.api.push(textMessage(5001, '/help'));
      await t.api.waitFor(() => t.api.repliesTo(5001).length === 1, 10_000, 'help');
      expect(t.api.callsOf('setMyCommands')).toHaveLength(0);
      await t.api.waitFor(
        () => t.api.callsOf('setMyCommands').length === expectedMenus.length,
        30_000,
        'menus after retries',
      );
      expect(menusSet(t.api)).toEqual(expectedMenus);
      expect(menuWarnings()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('skips a menu Telegram rejects as invalid and sets the others', async () => {
    const t = await bootWith((api) =>
      api.failNext('setMyCommands', 1, { status: 400, description: 'Bad Request: simulated' }),
    );
    try {
      await t.api.waitFor(() => t.api.callsOf('setMyCommands').length === expectedMenus.length - 1);
      expect(expectedMenus).toEqual(expect.arrayContaining(menusSet(t.api)));
      expect(t.api.calls.filter((c) => c.method === 'setMyCommands')).toHaveLength(
        expectedMenus.length,
      );
    } finally {
      await t.close();
    }
  });

  it('stops retrying at shutdown instead of holding it up', async () => {
    const t = await bootWith((api) => api.failNext('setMyCommands', 10_000, { status: 500 }));
    await t.api.waitFor(() => menuWarnings().length === 1, 20_000, 'first failure');
    // Shutdown awaits the registrar: this resolves only because the retry loop ends.
    await expect(t.close()).resolves.toBeUndefined();
    expect(t.api.callsOf('setMyCommands')).toHaveLength(0);
  });
});
