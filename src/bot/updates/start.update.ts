import { Ctx, Start, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';
import { mainMenu } from './menu.keyboards';
import { welcomeReply } from './replies';

@Update()
export class StartUpdate {
  constructor(private readonly i18n: I18nService) {}

  @Start()
  async start(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    await ctx.reply(welcomeReply(tr, ctx.from), mainMenu(tr));
  }
}
