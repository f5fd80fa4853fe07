import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import { TelegramError, type Context, type Telegraf } from 'telegraf';
import type { UserFromGetMe } from 'telegraf/types';
import { backoffDelay, sleep } from '../common/backoff';
import { errorMessage } from '../common/error-message';
import { BotStatusService } from './bot-status.service';

const RETRY = { baseMs: 1000, maxMs: 15_000 };
const TOKEN_REJECTED = 'getMe: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)';

/**
 * Who the bot is (`getMe`), which every update's context needs. Asked once at boot; while Telegram
 * cannot answer, asked again with backoff in the background, never caching a failure. Until it is
 * known, readiness is false (BotStatusService.identified) and updates wait in `whenKnown()`.
 */
@Injectable()
export class BotIdentity implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BotIdentity.name);
  private readonly abort = new AbortController();
  private readonly known: Promise<UserFromGetMe>;
  private learn!: (info: UserFromGetMe) => void;
  private retrying: Promise<void> | undefined;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    private readonly status: BotStatusService,
  ) {
    this.known = new Promise((resolve) => (this.learn = resolve));
  }

  /**
   * Asks Telegram once. Returns false when Telegram rejects the token (boot must stop); any other
   * failure starts the background retries and returns true, so the app boots and answers probes.
   */
  async start(): Promise<boolean> {
    try {
      this.remember(await this.bot.telegram.getMe());
      return true;
    } catch (error) {
      if (isTokenRejected(error)) return false;
      this.logger.warn(`getMe failed at boot (${errorMessage(error)}); retrying in the background`);
    }
    this.retrying = this.retry();
    return true;
  }

  /** Resolves with the bot's identity as soon as Telegram has told it. */
  whenKnown(): Promise<UserFromGetMe> {
    return this.known;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.retrying;
  }

  private async retry(): Promise<void> {
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      await sleep(backoffDelay(attempt, RETRY), this.abort.signal);
      if (this.abort.signal.aborted) return;
      try {
        return this.remember(await this.bot.telegram.getMe());
      } catch (error) {
        if (isTokenRejected(error)) {
          this.status.lastIntakeError = TOKEN_REJECTED;
          return this.logger.fatal(TOKEN_REJECTED);
        }
        this.status.lastIntakeError = `getMe failed: ${errorMessage(error)}`;
        this.logger.warn(`${this.status.lastIntakeError}; retry ${attempt + 1}`);
      }
    }
  }

  private remember(info: UserFromGetMe): void {
    this.bot.botInfo = info;
    this.status.identified = true;
    if (this.status.lastIntakeError?.startsWith('getMe failed')) this.status.lastIntakeError = null;
    this.learn(info);
    if (this.retrying) this.logger.log(`Telegram answered getMe: this is @${info.username}`);
  }
}

function isTokenRejected(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 401;
}
