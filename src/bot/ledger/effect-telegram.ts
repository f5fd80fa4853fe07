import { Telegram, TelegramError } from 'telegraf';
import type { CallOptions } from '../../outbound/outbound.service';
import {
  isEffect,
  isRefusal,
  ReplyOutcomeUnknownError,
  type UpdateEffects,
} from './update-effects';

/**
 * The Telegram client one update's handlers get as `ctx.telegram`: every call goes through the
 * bot's shared client, and message calls (see isEffect) through the update's outbox as well. A
 * subclass, so `ctx.reply`, `ctx.editMessageText` and every other Telegraf helper use it as usual.
 */
export class EffectTelegram extends Telegram {
  constructor(
    private readonly shared: Telegram,
    private readonly effects: UpdateEffects,
  ) {
    super(shared.token, shared.options);
  }

  override callApi(method: any, payload: any, options?: any): Promise<any> {
    if (!this.effects.recording || !isEffect(method))
      return this.shared.callApi(method, payload, options);
    const n = this.effects.nextOrdinal();
    const before = this.effects.previousOutcome(n);
    if (before?.kind === 'sent') return Promise.resolve(before.result);
    if (before?.kind === 'failed')
      return Promise.reject(
        new TelegramError({ error_code: before.code, description: before.description }),
      );
    if (before?.kind === 'attempted')
      return Promise.reject(new ReplyOutcomeUnknownError(String(method), n));
    const governed: CallOptions = { ...options, beforeSend: () => this.effects.attempt(n) };
    return this.shared.callApi(method, payload, governed as never).then(
      (result: unknown) => {
        this.effects.settle(n, { kind: 'sent', result });
        return result;
      },
      (error: unknown) => {
        // A refusal was not executed; anything else (timeout, 5xx, lost connection) may have been.
        if (isRefusal(error))
          this.effects.settle(n, {
            kind: 'failed',
            code: error.code,
            description: error.description,
          });
        throw error;
      },
    );
  }
}
