import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { UsersService } from '../../users/users.service';
import { texts } from '../bot.texts';

@Update()
export class MeUpdate {
  constructor(private readonly users: UsersService) {}

  @Command('me')
  async me(@Ctx() ctx: Context): Promise<void> {
    const profile = ctx.from ? await this.users.profile(ctx.from.id) : null;
    await ctx.reply(profile ? texts.profile(profile) : texts.noProfile);
  }
}
