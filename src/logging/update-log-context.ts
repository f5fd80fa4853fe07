import { AsyncLocalStorage } from 'node:async_hooks';

/** Ids that every log line written while one update is handled carries. */
export interface UpdateLogFields {
  updateId: number;
  chatId?: number;
  userId?: number;
}

interface UpdateLike {
  update_id: number;
  message?: { chat?: { id: number }; from?: { id: number } };
  callback_query?: { from?: { id: number }; message?: { chat?: { id: number } } };
}

const storage = new AsyncLocalStorage<UpdateLogFields>();

/** The ids of a raw Telegram update (message or callback query). */
export function updateLogFields(update: UpdateLike): UpdateLogFields {
  const message = update.message ?? update.callback_query?.message;
  const from = update.message?.from ?? update.callback_query?.from;
  return { updateId: update.update_id, chatId: message?.chat?.id, userId: from?.id };
}

/**
 * Runs `fn` (the handling of one update) so that every log line written inside it, by any Nest
 * `Logger` or `PinoLogger`, carries `updateId`, `chatId` and `userId` without passing them around.
 */
export function runWithUpdateLogContext<T>(update: UpdateLike, fn: () => T): T {
  return storage.run(updateLogFields(update), fn);
}

/** pino `mixin`: adds the current update's ids to a line (fields given in the call win). */
export function updateLogMixin(): Partial<UpdateLogFields> {
  const fields = storage.getStore();
  if (!fields) return {};
  // Undefined ids are left out rather than printed as null.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
