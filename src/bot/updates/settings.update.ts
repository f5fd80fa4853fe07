import { Command, Ctx, Update } from 'nestjs-telegraf';
import type { BotWizardContext } from '../dispatch/bot-context';
import { SETTINGS_WIZARD } from './settings.wizard';

/** `/settings` starts the settings wizard (from anywhere outside it). */
@Update()
export class SettingsUpdate {
  @Command('settings')
  async settings(@Ctx() ctx: BotWizardContext): Promise<void> {
    await ctx.scene.enter(SETTINGS_WIZARD);
  }
}
