import { Telegram } from 'telegraf';
import type { CallApi, CallOptions, OutboundService } from '../../outbound/outbound.service';
import { type BotApiClient, needsMultipart } from './bot-api-client';

/** DI token of the bot's one Telegram client: `bot.telegram` and what every update's client uses. */
export const BOT_TELEGRAM = Symbol('BOT_TELEGRAM');

/**
 * The bot's Telegram client: every call goes through the outbound governor (flood control,
 * deadline, retries), then JSON calls over our pooled client and uploads over Telegraf's own
 * (multipart). A subclass overriding `callApi`, so every Telegraf helper method uses it.
 */
export class GovernedTelegram extends Telegram {
  private readonly viaClient: CallApi;
  private readonly viaTelegraf: CallApi;

  constructor(
    token: string,
    apiRoot: string,
    client: Pick<BotApiClient, 'call'>,
    private readonly outbound: OutboundService,
  ) {
    super(token, { apiRoot, webhookReply: false });
    this.viaClient = (method, payload, options) => client.call(method, payload, options);
    this.viaTelegraf = (method, payload, options) =>
      // Telegraf types only a polyfill's AbortSignal; it uses the platform's at run time.
      super.callApi(method as never, payload as never, {
        signal: deadlineSignal(options) as never,
      });
  }

  override callApi(method: any, payload: any, options?: any): Promise<any> {
    const transport = needsMultipart(payload) ? this.viaTelegraf : this.viaClient;
    return this.outbound.send(method, payload, options as CallOptions | undefined, transport);
  }
}

/** Telegraf's own client takes only a signal: the deadline becomes one. */
function deadlineSignal({ signal, timeoutMs }: CallOptions = {}): AbortSignal | undefined {
  if (!timeoutMs) return signal;
  const deadline = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}
