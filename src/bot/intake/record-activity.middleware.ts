import type { Context, MiddlewareFn } from 'telegraf';
import type { MessagesService } from '../../messages/messages.service';
import type { UsersService } from '../../users/users.service';

/**
 * Stores every message that passed the rate limit (commands included) and counts it for its
 * sender, before any handler runs, so handlers stay thin and /me includes the current message.
 */
export function recordActivity(
  messages: MessagesService,
  users: UsersService,
): MiddlewareFn<Context> {
  return async (ctx, next) => {
    const message = ctx.message;
    if (message) {
      messages.record(ctx.update.update_id, message);
      if (message.from && !message.from.is_bot)
        await users.recordActivity(message.from, new Date(message.date * 1000));
    }
    return next();
  };
}
