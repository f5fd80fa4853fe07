import { Composer, Context, Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { installSyncFilters } from './sync-filters';

const telegram = new Telegram('123:abc');
const me = { id: 1, is_bot: true, first_name: 'Bot', username: 'test_bot' } as never;

function textUpdate(text: string, entities?: object[]): Update {
  return {
    update_id: 1,
    message: {
      message_id: 1,
      date: 0,
      chat: { id: 5, type: 'private', first_name: 'A' },
      from: { id: 5, is_bot: false, first_name: 'A' },
      text,
      entities,
    },
  } as Update;
}

const callback = (data: string): Update => ({
  update_id: 2,
  callback_query: {
    id: 'q',
    chat_instance: 'c',
    from: { id: 5, is_bot: false, first_name: 'A' },
    data,
  },
});

describe('installSyncFilters', () => {
  beforeAll(() => installSyncFilters());

  function router(seen: string[]) {
    const bot = new Composer<Context>();
    bot.command('start', () => void seen.push('start'));
    bot.action(/^menu:(.+)$/, (ctx) => void seen.push(`action ${ctx.match[1]}`));
    bot.use(
      Composer.branch(
        async (ctx) => Promise.resolve(ctx.text === 'async'),
        () => void seen.push('async branch'),
        Composer.passThru(),
      ),
    );
    bot.on('message', () => void seen.push('message'));
    return (update: Update) =>
      Promise.resolve(bot.middleware()(new Context(update, telegram, me), () => Promise.resolve()));
  }

  it('routes as Telegraf does: commands, actions with their match, the catch-all last', async () => {
    const seen: string[] = [];
    const run = router(seen);
    await run(textUpdate('/start', [{ type: 'bot_command', offset: 0, length: 6 }]));
    await run(textUpdate('/start@other_bot', [{ type: 'bot_command', offset: 0, length: 16 }]));
    await run(callback('menu:profile'));
    await run(textUpdate('hello'));
    expect(seen).toEqual(['start', 'message', 'action profile', 'message']);
  });

  it('still waits for an asynchronous predicate', async () => {
    const seen: string[] = [];
    await router(seen)(textUpdate('async'));
    expect(seen).toEqual(['async branch']);
  });

  it('turns a handler’s error into a rejection of the chain', async () => {
    const bot = new Composer<Context>();
    bot.command('boom', () => {
      throw new Error('handler failed');
    });
    const ctx = new Context(
      textUpdate('/boom', [{ type: 'bot_command', offset: 0, length: 5 }]),
      telegram,
      me,
    );
    await expect(
      Promise.resolve().then(() => bot.middleware()(ctx, () => Promise.resolve())),
    ).rejects.toThrow('handler failed');
  });
});
