import { Ctx, Help, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';

@Update()
export class HelpUpdate {
  constructor(private readonly i18n: I18nService) {}

  @Help()
  async help(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    await ctx.reply(tr.t('help'));
  }
}
