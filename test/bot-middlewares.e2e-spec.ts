import { Injectable } from '@nestjs/common';
import { Composer, type Context } from 'telegraf';
import { BotMiddlewares } from '../src/bot/bot-middlewares';
import { textMessage } from './fake-bot-api/updates';
import { startBotApp, type BotTestContext } from './support/bot-app';
import { storedSessionBecomes } from './support/settings-wizard';
import { texts } from './support/texts';

type CountingContext = Context & { session?: { count?: number } };

/** Update ids the fork's own middleware saw. */
const seen: number[] = [];

/** What a fork does (see docs/build-your-own-bot.md): its middleware and plugins after ours. */
@Injectable()
class ForkMiddlewares extends BotMiddlewares {
  override list() {
    return [
      ...super.list(),
      // A plain middleware, as bot.use() takes it.
      async (ctx: Context, next: () => Promise<void>) => {
        seen.push(ctx.update.update_id);
        await next();
      },
      // Telegraf's own plugin building blocks: answers "ping" itself, drops "spam" silently.
      Composer.optional((ctx) => ctx.text === 'ping', Composer.reply('pong')),
      Composer.drop((ctx) => ctx.text === 'spam'),
      // A plugin that keeps state in ctx.session (stored like the wizard's).
      Composer.hears('count', async (ctx: CountingContext) => {
        ctx.session ??= {};
        ctx.session.count = (ctx.session.count ?? 0) + 1;
        await ctx.reply(String(ctx.session.count));
      }),
    ];
  }
}

describe("a fork's middleware and Telegraf plugins", () => {
  let t: BotTestContext;

  beforeAll(async () => {
    t = await startBotApp({}, undefined, (builder) =>
      builder.overrideProvider(BotMiddlewares).useClass(ForkMiddlewares),
    );
  });
  afterAll(() => t.close());

  it('run for every update, before the handlers, which still answer what they pass on', async () => {
    t.api.push(
      textMessage(5101, 'spam'),
      textMessage(5101, 'ping'),
      textMessage(5101, '/help'),
      textMessage(5101, 'hello'),
    );
    await t.api.waitFor(() => t.api.repliesTo(5101).length === 3, 10_000, 'three replies');
    expect(t.api.repliesTo(5101)).toEqual(['pong', texts.help, texts.saved]);
    expect(seen).toHaveLength(4);
  });

  it('keep their state in ctx.session from one update to the next', async () => {
    t.api.push(textMessage(5102, 'count'), textMessage(5102, 'count'), textMessage(5102, 'count'));
    await t.api.waitFor(() => t.api.repliesTo(5102).length === 3, 10_000, 'three counts');
    expect(t.api.repliesTo(5102)).toEqual(['1', '2', '3']);
    await storedSessionBecomes(t.query, '5102:5102', { count: 3 });
  });
});
