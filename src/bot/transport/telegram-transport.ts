import { Context, Telegram } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';
import type { OutboundService } from '../../outbound/outbound.service';
import { type BotApiClient, type CallApi, needsMultipart } from './bot-api-client';

/** DI token of the bot's one Telegram client: `bot.telegram` and every `ctx.telegram`. */
export const BOT_TELEGRAM = Symbol('BOT_TELEGRAM');

/**
 * The bot's Telegram client: JSON calls go over our pooled client, uploads over Telegraf's own
 * (multipart), and every call through the outbound governor (flood control, timeout, retries).
 */
export function governedTelegram(
  token: string,
  apiRoot: string,
  client: BotApiClient,
  outbound: OutboundService,
): Telegram {
  const telegram = new Telegram(token, { apiRoot, webhookReply: false });
  const viaTelegraf = telegram.callApi.bind(telegram) as CallApi;
  const transport: CallApi = (method, payload, options) =>
    needsMultipart(payload)
      ? viaTelegraf(method, payload, options)
      : client.call(method, payload, options?.signal);
  telegram.callApi = transport as Telegram['callApi'];
  outbound.attach(telegram);
  return telegram;
}

/**
 * A Context class bound to `telegram`. Telegraf builds a new Telegram client for every update;
 * sharing the governed one instead saves re-wrapping a client per update, and no state is lost:
 * the per-update client only matters for webhook replies, which we do not use.
 */
export function contextUsing(
  telegram: Telegram,
): new (...args: ConstructorParameters<typeof Context>) => Context {
  return class extends Context {
    constructor(update: Update, _perUpdateClient: Telegram, botInfo: UserFromGetMe) {
      super(update, telegram, botInfo);
    }
  };
}
