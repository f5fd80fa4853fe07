import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import { Context, type Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { abortableWait } from '../../common/abortable-wait';
import { DeadlinePool } from '../../common/deadline-pool';
import { TimeoutError, withTimeout } from '../../common/timeout';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { BotIdentity } from '../bot-identity';
import { BotMetrics } from '../bot.metrics';
import { chatIdOf, chatKeyOf } from './chat-key';
import { MiddlewareChain } from './middleware-chain';

/** The fixed text a user sees when their update failed; never the error itself. */
export const FAILURE_REPLY =
  'Sorry, something went wrong on our side. Please try again in a moment.';

interface Job {
  update: Update;
  done: () => void;
}

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
  private roomWaiters: (() => void)[] = [];
  /** The least room a parked whenRoom() caller waits for. */
  private roomWanted = Infinity;
  private idleWaiters: (() => void)[] = [];
  private readonly deadlines: DeadlinePool;
  readonly concurrency: number;
  /** Updates held (running or waiting) before intake pauses. */
  readonly capacity: number;

  constructor(
    @InjectBot() private readonly bot: Telegraf<Context>,
    @Inject(telegramConfig.KEY) config: TelegramConfig,
    private readonly metrics: BotMetrics,
    private readonly chain: MiddlewareChain,
    private readonly identity: BotIdentity,
  ) {
    this.concurrency = config.dispatchConcurrency;
    this.capacity = Math.max(config.dispatchConcurrency * 2, config.pollingLimit * 2);
    this.deadlines = new DeadlinePool(config.updateTimeoutMs);
  }

  get size(): number {
    return this.queued;
  }

  /** Resolves when the update has been handled, failed or timed out; never rejects. */
  dispatch(update: Update): Promise<void> {
    return new Promise((done) => {
      const key = chatKeyOf(update);
      this.queued++;
      this.metrics.inFlight.set(this.queued);
      const queue = this.queues.get(key);
      if (queue) return queue.push({ update, done });
      this.queues.set(key, [{ update, done }]);
      if (this.runningChats < this.concurrency && !this.stopped) this.runChat(key);
      else this.waitingChats.push(key);
    });
  }

  /** Resolves once `count` more updates fit under the capacity, or `signal` aborts. */
  async whenRoom(signal?: AbortSignal, count = 1): Promise<void> {
    while (this.queued + count > this.capacity && !signal?.aborted) {
      this.roomWanted = Math.min(this.roomWanted, count);
      await abortableWait(this.roomWaiters, signal);
    }
  }

  /**
   * Resolves when every dispatched update is done, or after `timeoutMs`. Returns how many are left.
   * Updates not started by then are never started: halfway through shutdown a handler would meet
   * closed clients, and its update is better left unfinished, for the next start to run whole.
   */
  async drain(timeoutMs: number): Promise<number> {
    if (this.queued > 0) {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await withTimeout(idle, timeoutMs, 'dispatcher drain').catch(() => undefined);
    }
    if (this.queued > 0) this.stopped = true;
    return this.queued;
  }

  private runChat(key: string): void {
    this.runningChats++;
    void this.processChat(key);
  }

  private async processChat(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0 && !this.stopped) {
      const job = queue[0];
      await this.handle(job.update);
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

  private async handle(update: Update): Promise<void> {
    // performance.now() rather than the histogram's startTimer (process.hrtime and two closures).
    const startedAt = performance.now();
    try {
      await this.deadlines.race(this.runThroughBot(update), `update ${update.update_id}`);
      this.metrics.handled.inc();
    } catch (error) {
      this.metrics.failed.inc();
      if (error instanceof TimeoutError) this.metrics.timedOut.inc();
      const chatId = chatIdOf(update);
      // Log the update id and cause only: ctx and bot objects carry the token.
      this.logger.error(
        { updateId: update.update_id, chatId, err: describe(error) },
        `update ${update.update_id} failed: ${describe(error)}`,
      );
      if (chatId !== undefined) {
        await this.bot.telegram.sendMessage(chatId, FAILURE_REPLY).catch(() => undefined);
      }
    } finally {
      this.metrics.handlerDuration.observe((performance.now() - startedAt) / 1000);
    }
  }

  /**
   * What Telegraf's `handleUpdate` does, without the parts we do not use: a new Telegram client
   * per update (every context gets the bot's one governed client), a handler timeout (ours is the
   * deadline above) and webhook replies; the middleware is our flat chain (see MiddlewareChain).
   * Errors propagate, as `bot.catch` rethrows them anyway.
   */
  private async runThroughBot(update: Update): Promise<void> {
    const bot = this.bot;
    // Known from boot, or once Telegram answers getMe again (BotIdentity retries it).
    bot.botInfo ??= await this.identity.whenKnown();
    const ctx = new Context(update, bot.telegram, bot.botInfo);
    Object.assign(ctx, bot.context);
    await this.chain.run(ctx);
  }

  private notify(): void {
    if (this.roomWaiters.length && this.queued + this.roomWanted <= this.capacity) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      this.roomWanted = Infinity;
      waiters.forEach((wake) => wake());
    }
    if (this.queued === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((wake) => wake());
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
