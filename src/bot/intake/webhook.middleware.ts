import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import type { Update } from 'telegraf/types';
import { UpdateLedger } from '../ledger/update-ledger';
import { WebhookSecretLimiter } from './webhook-secret.limiter';

/** Telegram's updates are a few kB; anything this large is not one. */
export const WEBHOOK_BODY_LIMIT = '256kb';
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** How long a request may wait to be accepted; Telegram gives up on an answer after about 60 s. */
const ACCEPT_TIMEOUT_MS = 20_000;

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

  constructor(
    private readonly ledger: UpdateLedger,
    private readonly secret: WebhookSecretLimiter,
  ) {}

  async use(req: Request, res: Response): Promise<void> {
    const secret = this.secret.check(req.ip ?? '', req.headers[SECRET_HEADER]);
    if (!secret.ok) {
      if (secret.retryAfterSec) res.setHeader('Retry-After', String(secret.retryAfterSec));
      return reply(res, secret.status, secret.description);
    }

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
