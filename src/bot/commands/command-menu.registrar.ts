import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import { TelegramError, type Context, type Telegraf } from 'telegraf';
import type { BotCommandScope } from 'telegraf/types';
import { backoffDelay, sleep } from '../../common/backoff';
import { errorMessage } from '../../common/error-message';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../../i18n/i18n.languages';
import { I18nService } from '../../i18n/i18n.service';
import { ADMIN_COMMANDS, USER_COMMANDS, type MenuCommand } from './bot-commands';

/** One setMyCommands call: a scope, a language (none: the fallback for every other language). */
export interface CommandMenu {
  scope: BotCommandScope;
  language?: Language;
  commands: readonly MenuCommand[];
}

/** Backoff between rounds of retries (could become COMMAND_MENU_RETRY_MAX_MS). */
const RETRY = { baseMs: 1000, maxMs: 300_000 };

/** Every menu to set: the default scope and each admin's chat, in each language and without one. */
export function commandMenus(adminIds: readonly number[]): CommandMenu[] {
  const scopes: { scope: BotCommandScope; commands: readonly MenuCommand[] }[] = [
    { scope: { type: 'default' }, commands: USER_COMMANDS },
    ...adminIds.map((chat_id) => ({
      scope: { type: 'chat' as const, chat_id },
      commands: ADMIN_COMMANDS,
    })),
  ];
  // Telegram looks for the user's language in the narrowest scope first, then that scope without a
  // language: an admin's chat scope needs every language, or its fallback would win over them.
  return scopes.flatMap(({ scope, commands }) => [
    { scope, commands },
    ...LANGUAGES.map((language) => ({ scope, language, commands })),
  ]);
}

/**
 * Sets the "/" command menus at boot, in the background: boot never waits for Telegram. Calls that
 * fail for a reason that may pass (network, 5xx, 429) are retried with backoff until they succeed
 * or the app shuts down; the first failure is logged once, and the success after it.
 */
@Injectable()
export class CommandMenuRegistrar implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CommandMenuRegistrar.name);
  private readonly abort = new AbortController();
  private readonly menus: CommandMenu[];
  private task: Promise<void> | undefined;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly i18n: I18nService,
  ) {
    this.menus = commandMenus(config.adminIds);
  }

  onApplicationBootstrap(): void {
    this.task = this.setAll().catch((error: unknown) =>
      this.logger.error(`command menus not set: ${errorMessage(error)}`),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.task;
  }

  private async setAll(): Promise<void> {
    const pending = [...this.menus];
    let failures = 0;
    while (pending.length && !this.abort.signal.aborted) {
      try {
        await this.set(pending[0]);
        pending.shift();
      } catch (error) {
        if (!mayPass(error)) {
          this.logger.error(`setMyCommands refused, menu skipped: ${errorMessage(error)}`);
          pending.shift();
          continue;
        }
        if (failures === 0) {
          this.logger.warn(
            `command menus not set yet (${errorMessage(error)}); retrying in the background`,
          );
        }
        await sleep(backoffDelay(failures++, RETRY), this.abort.signal);
      }
    }
    if (failures && !pending.length) this.logger.log(`command menus set after ${failures} retries`);
  }

  private set({ scope, language, commands }: CommandMenu): Promise<true> {
    const lang = language ?? DEFAULT_LANGUAGE;
    return this.bot.telegram.setMyCommands(
      commands.map(({ command, description }) => ({
        command,
        description: this.i18n.t(lang, description),
      })),
      language ? { scope, language_code: language } : { scope },
    );
  }
}

/** A refusal (400, 403, 404…) will not pass by retrying; anything else may. */
function mayPass(error: unknown): boolean {
  return !(error instanceof TelegramError && error.code < 500 && error.code !== 429);
}
