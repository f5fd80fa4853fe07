import { Action, Command, Ctx, Next, Wizard, WizardStep } from 'nestjs-telegraf';
import { bold } from 'telegraf/format';
import { isLanguage, type Language } from '../../i18n/i18n.languages';
import { I18nService, type Translator } from '../../i18n/i18n.service';
import { checkDisplayName, DISPLAY_NAME_MAX_LENGTH } from '../../users/display-name';
import { UserPreferencesService } from '../../users/user-preferences.service';
import type { BotWizardContext } from '../dispatch/bot-context';
import { languageButton } from './menu.keyboards';
import {
  settingsButton,
  settingsLanguageKeyboard,
  settingsNameKeyboard,
} from './settings.keyboards';

export const SETTINGS_WIZARD = 'settings';

/** A wizard left half-way is forgotten after this long: a later message is not taken as a name. */
const WIZARD_TTL_SEC = 30 * 60;

/** The answers so far, kept in the wizard's state (in the session, so a restart keeps them). */
interface SettingsState {
  language?: Language;
}

/**
 * `/settings`: choose a language (buttons), then send a display name; both are stored together at
 * the end, so /cancel or the Cancel button at any step leaves everything as it was. The position
 * and answers live in the session, so a restart half-way resumes at the same step. Any other
 * command leaves the wizard and runs as it does outside it: the user has moved on.
 */
@Wizard(SETTINGS_WIZARD, {
  ttl: WIZARD_TTL_SEC,
  // Telegraf's SceneOptions type requires these; empty, as Telegraf defaults them.
  handlers: [],
  enterHandlers: [],
  leaveHandlers: [],
})
export class SettingsWizard {
  constructor(
    private readonly preferences: UserPreferencesService,
    private readonly i18n: I18nService,
  ) {}

  @Command('cancel')
  async cancelCommand(@Ctx() ctx: BotWizardContext): Promise<void> {
    await this.cancel(ctx);
  }

  @Action(settingsButton.trigger)
  async cancelButton(@Ctx() ctx: BotWizardContext): Promise<void> {
    await ctx.answerCbQuery();
    await this.cancel(ctx);
  }

  @WizardStep(1)
  async askLanguage(@Ctx() ctx: BotWizardContext): Promise<void> {
    const tr = this.i18n.translatorFor(ctx.from);
    await ctx.reply(tr.t('settings-language-prompt'), this.languageKeyboard(tr));
    ctx.wizard.next();
  }

  @WizardStep(2)
  async chooseLanguage(@Ctx() ctx: BotWizardContext, @Next() next: () => Promise<void>) {
    if (await this.leftForCommand(ctx, next)) return;
    const query = ctx.callbackQuery;
    const code = languageButton.decode(query && 'data' in query ? query.data : undefined)?.code;
    if (!isLanguage(code)) {
      if (query) await ctx.answerCbQuery();
      const tr = this.i18n.translatorFor(ctx.from);
      await ctx.reply(tr.t('settings-language-retry'), this.languageKeyboard(tr));
      return;
    }
    await ctx.answerCbQuery();
    this.state(ctx).language = code;
    const tr = this.i18n.translator(code);
    await ctx.reply(
      tr.t('settings-name-prompt', { max: DISPLAY_NAME_MAX_LENGTH }),
      settingsNameKeyboard(tr),
    );
    ctx.wizard.next();
  }

  @WizardStep(3)
  async setName(@Ctx() ctx: BotWizardContext, @Next() next: () => Promise<void>) {
    if (await this.leftForCommand(ctx, next)) return;
    const language = this.state(ctx).language;
    const tr = language ? this.i18n.translator(language) : this.i18n.translatorFor(ctx.from);
    const message = ctx.message;
    const text = message && 'text' in message ? message.text : undefined;
    if (ctx.callbackQuery) await ctx.answerCbQuery();
    if (text === undefined) {
      await ctx.reply(tr.t('settings-name-retry'), settingsNameKeyboard(tr));
      return;
    }
    const checked = checkDisplayName(text);
    if (!checked.ok) {
      const id = checked.reason === 'empty' ? 'settings-name-empty' : 'settings-name-too-long';
      await ctx.reply(tr.t(id, { max: DISPLAY_NAME_MAX_LENGTH }), settingsNameKeyboard(tr));
      return;
    }
    await this.preferences.save(ctx.from!.id, { language, displayName: checked.name });
    await ctx.scene.leave();
    await ctx.reply(tr.fmt('settings-saved', { name: bold(checked.name) }));
  }

  /** A command (other than /cancel, handled above) leaves the wizard and goes on to the bot's handlers. */
  private async leftForCommand(ctx: BotWizardContext, next: () => Promise<void>): Promise<boolean> {
    const message = ctx.message;
    if (!message || !('text' in message) || !message.text.startsWith('/')) return false;
    await ctx.scene.leave();
    await next();
    return true;
  }

  private async cancel(ctx: BotWizardContext): Promise<void> {
    await ctx.scene.leave();
    await ctx.reply(this.i18n.translatorFor(ctx.from).t('settings-cancelled'));
  }

  private languageKeyboard(tr: Translator) {
    return settingsLanguageKeyboard(tr, (language) => this.i18n.t(language, 'language-name'));
  }

  private state(ctx: BotWizardContext): SettingsState {
    return ctx.wizard.state;
  }
}
