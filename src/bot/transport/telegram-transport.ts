import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Context, MiddlewareFn, Telegram } from 'telegraf';
import type { OutboundService } from '../../outbound/outbound.service';

/** One keep-alive agent for every Bot API call, sized for the dispatcher's concurrency. */
export function keepAliveAgent(apiRoot: string, maxSockets: number): HttpAgent {
  const options = {
    keepAlive: true,
    keepAliveMsecs: 30_000,
    maxSockets,
    maxFreeSockets: maxSockets,
  };
  return apiRoot.startsWith('https:') ? new HttpsAgent(options) : new HttpAgent(options);
}

/**
 * Telegraf builds a new Telegram client for every update, and for an `http://` API root it drops
 * the agent (a new TCP connection per call). So each client, the bot's own and every update's,
 * gets our keep-alive agent back and has its calls routed through the outbound governor.
 */
export function prepareTelegram(
  telegram: Telegram,
  agent: HttpAgent,
  outbound: OutboundService,
): void {
  (telegram.options as { agent?: HttpAgent }).agent = agent;
  outbound.attach(telegram);
}

export function telegramTransport(
  agent: HttpAgent,
  outbound: OutboundService,
): MiddlewareFn<Context> {
  return (ctx, next) => {
    prepareTelegram(ctx.telegram, agent, outbound);
    return next();
  };
}

/** DI token of the shared keep-alive agent. */
export const TELEGRAM_AGENT = Symbol('TELEGRAM_AGENT');
