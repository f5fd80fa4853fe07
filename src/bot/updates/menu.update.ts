import { Action, Ctx, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import type { FmtString } from 'telegraf/format';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import { isLanguage } from '../../i18n/i18n.languages';
import { I18nService, type Translator } from '../../i18n/i18n.service';
import { UserPreferencesService } from '../../users/user-preferences.service';
import { UsersService } from '../../users/users.service';
import { languageButton, languagePicker, mainMenu, menuButton } from './menu.keyboards';
import { profileReply } from './replies';

/**
 * The /start menu's buttons and the language picker. A tap whose fields do not decode gets the
 * "expired" toast; data of another prefix or version is left to ExpiredButtonUpdate.
 */
@Update()
export class MenuUpdate {
  constructor(
    private readonly users: UsersService,
    private readonly preferences: UserPreferencesService,
    private readonly i18n: I18nService,
  ) {}

  @Action(menuButton.trigger)
  async menu(@Ctx() ctx: Context): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    switch (menuButton.decode(callbackData(ctx))?.screen) {
      case 'profile': {
        await ctx.answerCbQuery();
        const profile = await this.users.profile(ctx.from!.id);
        const reply = profile
          ? profileReply(tr, profile, this.preferences.displayName(profile.id))
          : tr.t('no-profile');
        return this.show(ctx, reply);
      }
      case 'help':
        await ctx.answerCbQuery();
        return this.show(ctx, tr.t('help'));
      case 'language':
        await ctx.answerCbQuery();
        return this.show(
          ctx,
          tr.t('language-prompt'),
          languagePicker(tr.language, (language) => this.i18n.t(language, 'language-name')),
        );
      default:
        return this.expired(ctx, tr);
    }
  }

  @Action(languageButton.trigger)
  async language(@Ctx() ctx: Context): Promise<void> {
    const code = languageButton.decode(callbackData(ctx))?.code;
    if (!isLanguage(code)) return this.expired(ctx, this.i18n.translatorFor(ctx.from));
    await ctx.answerCbQuery();
    await this.preferences.save(ctx.from!.id, { language: code });
    const tr = this.i18n.translator(code);
    await this.show(ctx, tr.t('language-chosen'), mainMenu(tr));
  }

  private async expired(ctx: Context, tr: Translator): Promise<void> {
    await ctx.answerCbQuery(tr.t('button-expired'));
  }

  /** Edits the menu message in place; a message too old to edit gets a new reply instead. */
  private async show(
    ctx: Context,
    text: string | FmtString,
    keyboard?: { reply_markup: InlineKeyboardMarkup },
  ): Promise<void> {
    try {
      await ctx.editMessageText(text, keyboard);
    } catch {
      await ctx.reply(text, keyboard);
    }
  }
}

function callbackData(ctx: Context): string | undefined {
  const query = ctx.callbackQuery;
  return query && 'data' in query ? query.data : undefined;
}
