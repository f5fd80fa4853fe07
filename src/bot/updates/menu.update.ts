import { Action, Ctx, On, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { UsersService } from '../../users/users.service';
import { MENU_HELP, MENU_PROFILE, texts } from '../bot.texts';

/** Inline buttons: the callback is always answered, also for unknown or stale data. */
@Update()
export class MenuUpdate {
  constructor(private readonly users: UsersService) {}

  @Action(MENU_PROFILE)
  async profile(@Ctx() ctx: Context): Promise<void> {
    await ctx.answerCbQuery();
    const profile = await this.users.profile(ctx.from!.id);
    await this.show(ctx, profile ? texts.profile(profile) : texts.noProfile);
  }

  @Action(MENU_HELP)
  async help(@Ctx() ctx: Context): Promise<void> {
    await ctx.answerCbQuery();
    await this.show(ctx, texts.help);
  }

  @On('callback_query')
  async unknown(@Ctx() ctx: Context): Promise<void> {
    await ctx.answerCbQuery(texts.expiredButton);
  }

  /** Edits the menu message in place; a message too old to edit gets a new reply instead. */
  private async show(ctx: Context, text: string): Promise<void> {
    try {
      await ctx.editMessageText(text);
    } catch {
      await ctx.reply(text);
    }
  }
}
