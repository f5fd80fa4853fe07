import { Injectable } from '@nestjs/common';
import { InjectBot } from 'nestjs-telegraf';
import {
  Composer,
  type Context,
  type Middleware,
  type MiddlewareFn,
  type Telegraf,
} from 'telegraf';
import { MessagesService } from '../../messages/messages.service';
import { RateLimitService } from '../../rate-limit/rate-limit.service';
import { UsersService } from '../../users/users.service';
import { recordActivity } from '../intake/record-activity.middleware';
import { installSyncFilters } from './sync-filters';

/**
 * The bot's middleware as one flat list, run by a plain loop: the rate limit, activity recording,
 * then everything registered on the bot (nestjs-telegraf's handlers, in registration order).
 *
 * Why not Telegraf's own chain: `bot.use()` wraps the whole chain so far in a new `compose` each
 * time, and `compose` runs every step as two async functions. With ~14 registrations an update went
 * through ~30 nested async frames, all held until its reply came back; in the burst bench that
 * was ~20% of the service's CPU, mostly garbage collection of what a burst keeps alive. Here a step
 * costs one closure. Telegraf's semantics are kept: a middleware may be an object with
 * `middleware()`, may pass `next` a context of its own, and errors propagate as rejections.
 *
 * It must be constructed before nestjs-telegraf registers the handlers (in its onModuleInit): Nest
 * creates every provider before it runs any lifecycle hook, and the dispatcher depends on this one.
 */
@Injectable()
export class MiddlewareChain {
  private readonly steps: MiddlewareFn<Context>[] = [];

  constructor(
    @InjectBot() bot: Telegraf<Context>,
    rateLimit: RateLimitService,
    messages: MessagesService,
    users: UsersService,
  ) {
    installSyncFilters();
    this.steps.push(rateLimit.middleware(), recordActivity(messages, users));
    bot.use = (...middlewares: readonly Middleware<Context>[]) => {
      for (const middleware of middlewares) this.steps.push(Composer.unwrap(middleware));
      return bot;
    };
    // For anything that still asks the bot for its middleware (handleUpdate).
    bot.middleware = () => (ctx, next) => this.run(ctx, next);
  }

  /** Runs `ctx` through every step; `next` runs after the last step calls its own next. */
  run(ctx: Context, next: () => Promise<void> = noop): Promise<void> {
    return this.step(0, ctx, next);
  }

  private step(index: number, ctx: Context, last: () => Promise<void>): Promise<void> {
    if (index === this.steps.length) return last();
    try {
      const result = this.steps[index](ctx, (nextCtx = ctx) => this.step(index + 1, nextCtx, last));
      return Promise.resolve(result) as Promise<void>;
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever was thrown, as Telegraf's compose does
      return Promise.reject(error);
    }
  }
}

const noop = () => Promise.resolve();
