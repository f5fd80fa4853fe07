import { Ctx, Help, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { texts } from '../bot.texts';

@Update()
export class HelpUpdate {
  @Help()
  async help(@Ctx() ctx: Context): Promise<void> {
    await ctx.reply(texts.help);
  }
}
