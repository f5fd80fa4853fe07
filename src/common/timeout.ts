/** Raised when work does not settle within its deadline. */
export class TimeoutError extends Error {
  constructor(label: string, ms: number) {
    super(`${label} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with a TimeoutError when `promise` does not settle within `ms`; the work itself goes on.
 * Hand-written because the work raced here (TypeORM queries, cache and storage calls, Telegraf's
 * handleUpdate) takes no AbortSignal, and an AbortSignal.timeout's timer cannot be cleared when
 * the work finishes first.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, label = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
