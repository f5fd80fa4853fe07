import { Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';

/**
 * Everything no command handler took. It is registered last (see BotModule), so it only sees the
 * rest. Messages are already stored by the activity middleware; here we only acknowledge, and only
 * in private chats: group chatter is not answered.
 */
@Update()
export class MessageUpdate {
  constructor(private readonly i18n: I18nService) {}

  @On('message')
  async message(@Ctx() ctx: Context): Promise<void> {
    if (ctx.chat?.type !== 'private') return;
    const tr = this.i18n.translatorFor(ctx.from);
    const text = ctx.text;
    if (text === undefined) return void (await ctx.reply(tr.t('received')));
    await ctx.reply(tr.t(text.startsWith('/') ? 'unknown-command' : 'saved'));
  }
}
