import { createHmac } from 'node:crypto';

/** Telegram's alphabet for `secret_token`, at a length no one guesses (256 bits as hex). */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export const WEBHOOK_SECRET_HINT =
  'must be 32-256 characters of A-Z a-z 0-9 _ - (value hidden); generate one with `openssl rand -hex 32`';

/**
 * The webhook secret used when WEBHOOK_SECRET is unset: an HMAC of a fixed label keyed with the bot
 * token, so every replica derives the same one and nobody without the token can.
 */
export function deriveWebhookSecret(token: string): string {
  return createHmac('sha256', token).update('telegram-bot-service/webhook-secret').digest('hex');
}
