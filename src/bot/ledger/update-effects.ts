import { TelegramError } from 'telegraf';
import { usesMessageBuckets } from '../../outbound/outbound.service';
import { classifyFailure } from '../../outbound/retry-policy';

/** What became of one effect of an update: Telegram's answer, or no answer known. */
export type EffectOutcome =
  | { kind: 'attempted' }
  | { kind: 'sent'; result: unknown }
  | { kind: 'failed'; code: number; description: string };

/** An update's effects by ordinal (0 for its first message call, 1 for the next…). */
export type RecordedEffects = Map<number, EffectOutcome>;

/** Where an update's effects are recorded (the ledger, over its journal). */
export interface EffectRecorder {
  /** Resolves once "effect n is about to be sent" is durable; never rejects. */
  attempt(updateId: number, n: number): Promise<void>;
  outcome(updateId: number, n: number, outcome: EffectOutcome): void;
}

/**
 * Raised to a handler run again after a crash, in place of a message call that was on its way to
 * Telegram when the process died: it may have been delivered, so it is not sent a second time.
 */
export class ReplyOutcomeUnknownError extends Error {
  constructor(method: string, n: number) {
    super(`${method} #${n} was in flight at a crash; not sent again`);
    this.name = 'ReplyOutcomeUnknownError';
  }
}

/** Calls that put something visible into a chat: recorded, and never repeated on a replay. */
export function isEffect(method: string): boolean {
  return usesMessageBuckets(method) || method === 'deleteMessage' || method === 'deleteMessages';
}

/** Calls Telegram answered with a refusal: it did not execute them, and would refuse again. */
export function isRefusal(error: unknown): error is TelegramError {
  const { kind } = classifyFailure(error);
  return error instanceof TelegramError && (kind === 'rejected' || kind === 'blocked');
}

/**
 * The outbox of one update's run: numbers its effects in call order, records each before it is
 * sent and Telegram's answer after, and on a run after a crash answers effects a previous run
 * already attempted from the record instead of sending them again.
 */
export class UpdateEffects {
  private count = 0;
  private open = true;

  constructor(
    readonly updateId: number,
    private readonly recorder: EffectRecorder,
    private readonly previous?: RecordedEffects,
  ) {}

  /** False once the update is finished: later calls (a timer a handler left) are not recorded. */
  get recording(): boolean {
    return this.open;
  }

  /** The ordinal of the next effect. */
  nextOrdinal(): number {
    return this.count++;
  }

  /** What a previous run's effect `n` came to, if it got that far. */
  previousOutcome(n: number): EffectOutcome | undefined {
    return this.previous?.get(n);
  }

  attempt(n: number): Promise<void> {
    return this.recorder.attempt(this.updateId, n);
  }

  settle(n: number, outcome: EffectOutcome): void {
    if (this.open) this.recorder.outcome(this.updateId, n, outcome);
  }

  close(): void {
    this.open = false;
  }
}
