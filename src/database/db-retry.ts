import { Logger } from '@nestjs/common';
import { retry } from '../common/backoff';
import { describeDbError, isTransientDbError } from './db-errors';

const logger = new Logger('DatabaseRetry');

/** Re-runs a database operation on transient errors (outage, restart, too many connections). */
export function withDbRetry<T>(
  operation: () => Promise<T>,
  { attempts = 4, baseMs = 100, maxMs = 2000, label = 'query' } = {},
): Promise<T> {
  return retry(() => operation(), {
    attempts,
    baseMs,
    maxMs,
    shouldRetry: isTransientDbError,
    onRetry: (error, attempt, delayMs) =>
      logger.warn(`${label} failed (${describeDbError(error)}); retry ${attempt} in ${delayMs} ms`),
  });
}
