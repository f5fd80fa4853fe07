import { Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';

/**
 * Every tap no button handler took: stale (an older version of its data), foreign or malformed.
 * It is registered after every handler (see BotModule), and always answered, or the user's
 * spinner keeps turning.
 */
@Update()
export class ExpiredButtonUpdate {
  constructor(private readonly i18n: I18nService) {}

  @On('callback_query')
  async expired(@Ctx() ctx: Context): Promise<void> {
    await ctx.answerCbQuery(this.i18n.translatorFor(ctx.from).t('button-expired'));
  }
}
