import { EventEmitter, once } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import type { Context, Telegraf, Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { TimeoutError, withTimeout } from '../../common/timeout';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { BotIdentity } from '../bot-identity';
import { BotMetrics } from '../bot.metrics';
import { I18nService } from '../../i18n/i18n.service';
import { ReplyOutcomeUnknownError } from '../ledger/update-effects';
import { useClientFor } from './bot-context';
import { chatIdOf, chatKeyOf } from './chat-key';

interface Job {
  update: Update;
  /** The client the update's handlers get as ctx.telegram (its outbox), or the bot's own. */
  telegram?: Telegram;
  done: () => void;
  /** A button tap waiting in its chat's queue: answered early unless it starts before this fires. */
  earlyAnswer?: NodeJS.Timeout;
}

/**
 * How long a button tap may wait for its chat before it is answered without its handler: long
 * enough that a tap behind a fast update keeps its handler's own toast, short enough that the
 * spinner stops well before Telegram calls the query too old (about 15 s).
 */
const EARLY_ANSWER_AFTER_MS = 300;

/**
 * Runs updates through Telegraf with bounded concurrency across chats and strict order within one
 * chat, so a slow chat never holds up the others. Each update has a deadline after which it counts
 * as failed and its chat moves on. Written by hand: Telegraf runs a batch with Promise.all (no
 * per-chat order) and grammY's runner is tied to grammY's bot object.
 */
@Injectable()
export class UpdateDispatcher {
  private readonly logger = new Logger(UpdateDispatcher.name);
  private readonly queues = new Map<string, Job[]>();
  private readonly waitingChats: string[] = [];
  private runningChats = 0;
  private queued = 0;
  /** Set when a drain ran out of time: no further update starts. */
  private stopped = false;
  /** 'room' when a parked whenRoom() caller may go on, 'idle' when nothing is queued. */
  private readonly events = new EventEmitter().setMaxListeners(0);
  /** The least room a parked whenRoom() caller waits for. */
  private roomWanted = Infinity;
  private readonly updateTimeoutMs: number;
  readonly concurrency: number;
  /** Updates held (running or waiting) before intake pauses. */
  readonly capacity: number;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly metrics: BotMetrics,
    private readonly identity: BotIdentity,
    private readonly i18n: I18nService,
  ) {
    this.concurrency = config.dispatchConcurrency;
    this.capacity = Math.max(config.dispatchConcurrency * 2, config.pollingLimit * 2);
    this.updateTimeoutMs = config.updateTimeoutMs;
  }

  get size(): number {
    return this.queued;
  }

  /**
   * Resolves when the update has been handled, failed or timed out; never rejects. `telegram` is
   * the client its handlers get (default: the bot's).
   */
  dispatch(update: Update, telegram?: Telegram): Promise<void> {
    return new Promise((done) => {
      const key = chatKeyOf(update);
      this.queued++;
      this.metrics.inFlight.set(this.queued);
      const job: Job = { update, telegram, done };
      const queue = this.queues.get(key);
      if (queue) {
        this.answerIfKeptWaiting(job);
        return queue.push(job);
      }
      this.queues.set(key, [job]);
      if (this.runningChats < this.concurrency && !this.stopped) return this.runChat(key);
      this.waitingChats.push(key);
      this.answerIfKeptWaiting(job);
    });
  }

  /** Resolves once `count` more updates fit under the capacity, or `signal` aborts. */
  async whenRoom(signal?: AbortSignal, count = 1): Promise<void> {
    while (this.queued + count > this.capacity && !signal?.aborted) {
      this.roomWanted = Math.min(this.roomWanted, count);
      // Rejects only when `signal` aborts, which ends the loop.
      await once(this.events, 'room', { signal }).catch(() => undefined);
    }
  }

  /**
   * Resolves when every dispatched update is done, or after `timeoutMs`. Returns how many are left.
   * Updates not started by then are never started: halfway through shutdown a handler would meet
   * closed clients, and its update is better left unfinished, for the next start to run whole.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.queued > 0) {
      const signal = AbortSignal.timeout(timeoutMs);
      await once(this.events, 'idle', { signal }).catch(() => undefined);
    }
    if (this.queued > 0) this.stopped = true;
    return this.queued;
  }

  /**
   * A button tap that waits for its chat's queue longer than EARLY_ANSWER_AFTER_MS is answered
   * then, without a toast: Telegram shows a spinner until the answer. The handler still runs later,
   * in order, and its own answer is dropped by the update's client (see UpdateTelegram).
   */
  private answerIfKeptWaiting(job: Job): void {
    const queryId = (job.update as Partial<Update.CallbackQueryUpdate>).callback_query?.id;
    const telegram = job.telegram;
    if (!telegram || typeof queryId !== 'string') return;
    job.earlyAnswer = setTimeout(
      () => this.answerEarly(job.update, telegram, queryId),
      EARLY_ANSWER_AFTER_MS,
    );
    job.earlyAnswer.unref();
  }

  private answerEarly(update: Update, telegram: Telegram, queryId: string): void {
    this.metrics.callbacksAnsweredEarly.inc();
    telegram
      .answerCbQuery(queryId)
      .catch((error: Error) =>
        this.logger.warn(
          { updateId: update.update_id },
          `early callback answer failed: ${error.message}`,
        ),
      );
  }

  private runChat(key: string): void {
    this.runningChats++;
    void this.processChat(key);
  }

  private async processChat(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0 && !this.stopped) {
      const job = queue[0];
      clearTimeout(job.earlyAnswer);
      await this.handle(job.update, job.telegram ?? this.bot.telegram);
      queue.shift();
      this.queued--;
      this.metrics.inFlight.set(this.queued);
      job.done();
      this.notify();
    }
    this.queues.delete(key);
    this.runningChats--;
    const next = this.stopped ? undefined : this.waitingChats.shift();
    if (next !== undefined) this.runChat(next);
  }

  private async handle(update: Update, telegram: Telegram): Promise<void> {
    // Known from boot, or once Telegram answers getMe again (BotIdentity retries it); the wait is
    // not part of the update's deadline.
    this.bot.botInfo ??= await this.identity.whenKnown();
    // performance.now() rather than the histogram's startTimer (process.hrtime and two closures).
    const startedAt = performance.now();
    try {
      await withTimeout(
        this.runThroughBot(update, telegram),
        this.updateTimeoutMs,
        `update ${update.update_id}`,
      );
      this.metrics.handled.inc();
    } catch (error) {
      if (error instanceof ReplyOutcomeUnknownError) {
        // A run after a crash met a reply the user may have seen already: no apology either.
        this.metrics.handled.inc();
        this.logger.warn({ updateId: update.update_id }, error.message);
        return;
      }
      this.metrics.failed.inc();
      if (error instanceof TimeoutError) this.metrics.timedOut.inc();
      const chatId = chatIdOf(update);
      // Log the update id and cause only: ctx and bot objects carry the token.
      this.logger.error(
        { updateId: update.update_id, chatId, err: describe(error) },
        `update ${update.update_id} failed: ${describe(error)}`,
      );
      if (chatId !== undefined) {
        // A fixed, translated text; never the error itself.
        const text = this.i18n.t(this.i18n.languageOf(senderOf(update)), 'failure');
        await telegram.sendMessage(chatId, text).catch(() => undefined);
      }
    } finally {
      this.metrics.handlerDuration.observe((performance.now() - startedAt) / 1000);
    }
  }

  /**
   * Runs the update through Telegraf's own `handleUpdate` (the bot's middleware, nestjs-telegraf's
   * handlers, guards and filters, `bot.catch`), on a context whose `telegram` is the update's
   * client (see BotContext). Errors propagate: `bot.catch` rethrows them (see BotLifecycle).
   */
  private async runThroughBot(update: Update, telegram: Telegram): Promise<void> {
    useClientFor(update, telegram);
    await this.bot.handleUpdate(update);
  }

  private notify(): void {
    if (this.queued + this.roomWanted <= this.capacity) {
      this.roomWanted = Infinity;
      this.events.emit('room');
    }
    if (this.queued === 0) this.events.emit('idle');
  }
}

function senderOf(update: Update) {
  const u = update as Partial<Update.MessageUpdate & Update.CallbackQueryUpdate>;
  return u.message?.from ?? u.callback_query?.from;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
