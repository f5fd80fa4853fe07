import { Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { texts } from '../bot.texts';

/**
 * Everything no command handler took. It is registered last (see BotModule), so it only sees the
 * rest. Messages are already stored by the activity middleware; here we only acknowledge, and only
 * in private chats: group chatter is not answered.
 */
@Update()
export class MessageUpdate {
  @On('message')
  async message(@Ctx() ctx: Context): Promise<void> {
    if (ctx.chat?.type !== 'private') return;
    const text = ctx.text;
    if (text === undefined) return void (await ctx.reply(texts.received));
    await ctx.reply(text.startsWith('/') ? texts.unknownCommand : texts.saved);
  }
}
