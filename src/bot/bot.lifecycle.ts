import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import type { Context, Telegraf, Telegram } from 'telegraf';
import { BatchService } from '../batch/batch.service';
import { telegramConfig, type TelegramConfig } from '../config/app.config';
import { BotIdentity } from './bot-identity';
import { BotStatusService } from './bot-status.service';
import { UpdateDispatcher } from './dispatch/update-dispatcher';
import { BotTokenRejectedError, PollingUpdateSource } from './intake/polling.update-source';
import { UpdateLedger } from './ledger/update-ledger';
import { WebhookRegistrar } from './intake/webhook.registrar';
import { tolerateStopWithoutLaunch } from './telegraf-shutdown';
import { BOT_TELEGRAM } from './transport/telegram-transport';

/**
 * Starts the intake once the app (database included) is up, and drains in order on SIGTERM:
 * readiness off, long poll aborted (webhook refusing), handlers finished, write buffers flushed,
 * offset confirmed, intake journal closed.
 * Draining happens in beforeApplicationShutdown because TypeORM closes the DataSource in
 * onApplicationShutdown.
 */
@Injectable()
export class BotLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(BotLifecycle.name);

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    private readonly polling: PollingUpdateSource,
    private readonly webhook: WebhookRegistrar,
    private readonly dispatcher: UpdateDispatcher,
    private readonly ledger: UpdateLedger,
    private readonly batch: BatchService,
    private readonly status: BotStatusService,
    @Inject(BOT_TELEGRAM) private readonly telegram: Telegram,
    private readonly identity: BotIdentity,
  ) {}

  onModuleInit(): void {
    // The bot's own calls (getUpdates, getMe, broadcasts) use the governed client as well.
    this.bot.telegram = this.telegram;
    // Telegraf's default error handler sets process.exitCode = 1 and prints ctx.update; the
    // dispatcher reports failures itself, so errors just propagate to it.
    this.bot.catch((error) => {
      throw error;
    });
    tolerateStopWithoutLaunch(this.bot);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A rejected token stops boot; Telegram unreachable: retried in the background, updates wait.
    if (!(await this.identity.start())) throw new BotTokenRejectedError();
    // What a crashed predecessor left runs before any new update comes in.
    await this.ledger.start();
    if (this.config.mode === 'polling') {
      // A webhook left from an earlier deployment would make every poll fail with 409.
      await this.bot.telegram
        .deleteWebhook({ drop_pending_updates: false })
        .catch((error: Error) => this.logger.warn(`deleteWebhook failed: ${error.message}`));
      this.polling.start();
      this.logger.log(
        `${this.polling.confirmsAtDrain ? 'Polling' : 'Competing for the polling lease of'} @${this.bot.botInfo?.username ?? '?'} (timeout ${this.config.pollingTimeoutSec} s, limit ${this.config.pollingLimit}, concurrency ${this.config.dispatchConcurrency})`,
      );
    } else {
      this.webhook.start();
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    this.status.draining = true;
    this.logger.log(`Draining (${signal ?? 'shutdown'})`);
    await Promise.all([this.polling.stop(), this.webhook.stop()]);
    const left = await this.dispatcher.drain(Math.max(0, deadline - Date.now() - 2000));
    if (left)
      this.logger.warn(
        `${left} update(s) unfinished at the drain deadline; those not started yet stay so, for the next start`,
      );
    const { unwritten } = await this.batch.drain(Math.max(500, deadline - Date.now()));
    if (unwritten)
      this.logger.error(`${unwritten} buffered row(s) could not be written before shutdown`);
    // Confirms finished updates, and those left unfinished once they are in the intake journal.
    if (this.config.mode === 'polling' && this.polling.confirmsAtDrain)
      await this.polling.confirmOffset();
    await this.ledger.close();
    this.logger.log('Drained');
  }
}
