import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { I18nService } from '../../i18n/i18n.service';
import { UserPreferencesService } from '../../users/user-preferences.service';
import { UsersService } from '../../users/users.service';
import { profileReply } from './replies';

@Update()
export class MeUpdate {
  constructor(
    private readonly users: UsersService,
    private readonly preferences: UserPreferencesService,
    private readonly i18n: I18nService,
  ) {}

  @Command('me')
  async me(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    const profile = ctx.from ? await this.users.profile(ctx.from.id) : null;
    await ctx.reply(
      profile
        ? profileReply(tr, profile, this.preferences.displayName(profile.id))
        : tr.t('no-profile'),
    );
  }
}
