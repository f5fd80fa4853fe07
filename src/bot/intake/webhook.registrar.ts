import type { Server } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectBot } from 'nestjs-telegraf';
import type { Context, Telegraf } from 'telegraf';
import { backoffDelay, sleep } from '../../common/backoff';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { BotStatusService } from '../bot-status.service';

/**
 * Registers the webhook with Telegram once the HTTP server listens (Telegram delivers as soon as
 * it is set), retrying with backoff until it succeeds.
 */
@Injectable()
export class WebhookRegistrar {
  private readonly logger = new Logger(WebhookRegistrar.name);
  private readonly abort = new AbortController();
  private task: Promise<void> | undefined;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    private readonly status: BotStatusService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  start(): void {
    this.task = this.whenListening().then(() => this.register());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.task;
  }

  /** Resolves once the app's HTTP server listens, or at once when stopped first. */
  private whenListening(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server || server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        server.off('listening', done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      server.once('listening', done);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async register(): Promise<void> {
    const { webhookUrl, webhookSecret, webhookMaxConnections, allowedUpdates } = this.config;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        // drop_pending_updates stays false: updates queued while we were away are still wanted.
        await this.bot.telegram.setWebhook(webhookUrl!, {
          secret_token: webhookSecret,
          allowed_updates: [...allowedUpdates],
          max_connections: webhookMaxConnections,
          drop_pending_updates: false,
        });
        this.status.intakeRunning = true;
        this.status.lastIntakeError = null;
        this.logger.log(
          `Webhook registered at ${new URL(webhookUrl!).origin}${new URL(webhookUrl!).pathname}`,
        );
        return;
      } catch (error) {
        const delayMs = backoffDelay(attempt, { baseMs: 1000, maxMs: 60_000 });
        this.status.lastIntakeError = `setWebhook failed: ${(error as Error).message}`;
        this.logger.warn(`${this.status.lastIntakeError}; retrying in ${delayMs} ms`);
        await sleep(delayMs, this.abort.signal);
      }
    }
  }
}
