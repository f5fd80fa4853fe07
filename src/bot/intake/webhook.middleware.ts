import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import type { Update } from 'telegraf/types';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { UpdateLedger } from '../ledger/update-ledger';

/** Telegram's updates are a few kB; anything this large is not one. */
export const WEBHOOK_BODY_LIMIT = '256kb';
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** How long a request may wait to be accepted; Telegram gives up on an answer after about 60 s. */
const ACCEPT_TIMEOUT_MS = 20_000;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The path Telegram posts to, taken from WEBHOOK_URL (served on the app's own HTTP server). */
export function webhookPath(url: string): string {
  return new URL(url).pathname;
}

/**
 * Receives Telegram's POSTs: secret header checked in constant time before the body is read, body
 * size limited, then the update ledger decides the answer: 200 once the update is durable (see
 * UpdateLedger.acceptWebhook), else 429 or 503 with Retry-After, so Telegram sends it again,
 * possibly to another replica. Hand-written rather than Telegraf's webhookCallback, which checks
 * none of this and answers 200 before anything is durable.
 */
@Injectable()
export class WebhookMiddleware implements NestMiddleware {
  private readonly logger = new Logger(WebhookMiddleware.name);
  private readonly secretDigest: Buffer;

  constructor(
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly ledger: UpdateLedger,
  ) {
    this.secretDigest = digest(config.webhookSecret ?? '');
  }

  async use(req: Request, res: Response): Promise<void> {
    const header = req.headers[SECRET_HEADER];
    if (typeof header !== 'string') return reply(res, 401, 'secret token header missing');
    if (!timingSafeEqual(digest(header), this.secretDigest))
      return reply(res, 403, 'wrong secret token');

    let update: Update;
    try {
      const body = await getRawBody(req, {
        limit: WEBHOOK_BODY_LIMIT,
        length: req.headers['content-length'],
        encoding: 'utf8',
      });
      update = JSON.parse(body) as Update;
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      return reply(
        res,
        status === 413 ? 413 : 400,
        status === 413 ? 'body too large' : 'malformed JSON',
      );
    }
    if (!Number.isSafeInteger(update?.update_id) || update.update_id < 0) {
      return reply(res, 400, 'not a Telegram update');
    }
    try {
      const acceptance = await this.ledger.acceptWebhook(
        update,
        AbortSignal.timeout(ACCEPT_TIMEOUT_MS),
      );
      if (acceptance.accepted) return reply(res, 200, 'ok');
      res.setHeader('Retry-After', String(acceptance.retryAfterSec));
      reply(res, acceptance.status, `${acceptance.reason}, retry later`);
    } catch (error) {
      this.logger.error(
        { updateId: update.update_id },
        `webhook update not accepted: ${(error as Error).message}`,
      );
      res.setHeader('Retry-After', '5');
      reply(res, 503, 'not accepted, retry later');
    }
  }
}

function reply(res: Response, status: number, description: string): void {
  res.status(status).json({ ok: status === 200, description });
}
