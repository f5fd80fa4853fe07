import { Telegram } from 'telegraf';
import type { CallApi, OutboundService } from '../../outbound/outbound.service';
import { type BotApiClient, needsMultipart } from './bot-api-client';

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
  const viaTelegraf = withDeadline(telegram.callApi.bind(telegram) as CallApi);
  const transport: CallApi = (method, payload, options) =>
    needsMultipart(payload)
      ? viaTelegraf(method, payload, options)
      : client.call(method, payload, options);
  telegram.callApi = transport as Telegram['callApi'];
  outbound.attach(telegram);
  return telegram;
}

/** Telegraf's own client takes only a signal: the deadline becomes one. */
function withDeadline(callApi: CallApi): CallApi {
  return (method, payload, { signal, timeoutMs } = {}) => {
    if (!timeoutMs) return callApi(method, payload, { signal });
    const deadline = AbortSignal.timeout(timeoutMs);
    return callApi(method, payload, {
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
    });
  };
}
