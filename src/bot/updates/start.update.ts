import { Ctx, Start, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { mainMenu, texts } from '../bot.texts';

@Update()
export class StartUpdate {
  @Start()
  async start(@Ctx() ctx: Context): Promise<void> {
    await ctx.reply(texts.welcome(ctx.from?.first_name ?? 'there'), mainMenu());
  }
}
