import { Telegram, TelegramError } from 'telegraf';
import type { CallOptions } from '../../outbound/outbound.service';
import {
  isEffect,
  isRefusal,
  ReplyOutcomeUnknownError,
  type UpdateEffects,
} from './update-effects';

/**
 * The Telegram client one update's handlers get as `ctx.telegram`. Every call goes through the
 * bot's shared client; message calls (see isEffect) also through the update's outbox, when there
 * is one; and a callback query is answered at most once, so the dispatcher may answer it early
 * (see UpdateDispatcher) and the handler's own answer then changes nothing. A subclass, so
 * `ctx.reply`, `ctx.answerCbQuery` and every other Telegraf helper use it as usual.
 */
export class UpdateTelegram extends Telegram {
  private callbackAnswered = false;

  constructor(
    private readonly shared: Telegram,
    private readonly effects?: UpdateEffects,
  ) {
    super(shared.token, shared.options);
  }

  override callApi(method: any, payload: any, options?: any): Promise<any> {
    if (method === 'answerCallbackQuery') {
      if (this.callbackAnswered) return Promise.resolve(true);
      this.callbackAnswered = true;
    }
    if (!this.effects?.recording || !isEffect(method))
      return this.shared.callApi(method, payload, options);
    return this.throughOutbox(this.effects, method, payload, options);
  }

  private throughOutbox(
    effects: UpdateEffects,
    method: string,
    payload: unknown,
    options?: CallOptions,
  ): Promise<unknown> {
    const n = effects.nextOrdinal();
    const before = effects.previousOutcome(n);
    if (before?.kind === 'sent') return Promise.resolve(before.result);
    if (before?.kind === 'failed')
      return Promise.reject(
        new TelegramError({ error_code: before.code, description: before.description }),
      );
    if (before?.kind === 'attempted')
      return Promise.reject(new ReplyOutcomeUnknownError(method, n));
    const governed: CallOptions = { ...options, beforeSend: () => effects.attempt(n) };
    return this.shared.callApi(method as never, payload as never, governed as never).then(
      (result: unknown) => {
        effects.settle(n, { kind: 'sent', result });
        return result;
      },
      (error: unknown) => {
        // A refusal was not executed; anything else (timeout, 5xx, lost connection) may have been.
        if (isRefusal(error))
          effects.settle(n, { kind: 'failed', code: error.code, description: error.description });
        throw error;
      },
    );
  }
}
