import { Logger } from '@nestjs/common';
import { atMostEvery } from '../common/at-most-every';
import { backoffDelay } from '../common/backoff';
import { errorMessage } from '../common/error-message';
import type { Counter } from 'prom-client';

/** One reconnect policy for every Redis client: exponential backoff with jitter, 100 ms to 5 s. */
export function reconnectDelay(attempt: number): number {
  return backoffDelay(attempt, { baseMs: 100, maxMs: 5000 });
}

/** Commands wait at most this long; a slower Redis counts as down for that command. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
export const REDIS_CONNECT_TIMEOUT_MS = 2000;
/** A lasting outage repeats the same error on every reconnect attempt: log one per interval. */
const ERROR_LOG_EVERY_MS = 30_000;

/**
 * The state of one Redis connection, fed by its client's events whatever the library: up or down,
 * errors counted, the first error of an outage and the recovery logged, repeats throttled.
 */
export class RedisConnection {
  private readonly logger = new Logger('Redis');
  private logGate = atMostEvery(ERROR_LOG_EVERY_MS);
  private connectedOnce = false;
  up = false;
  lastErrorAt: Date | null = null;

  constructor(
    /** What the connection serves: `shared` (rate limit, update claims) or `cache`. */
    readonly name: string,
    private readonly errors: Counter<'connection'>,
  ) {}

  /** The client is connected and answers commands. */
  ready(): void {
    if (!this.up && this.connectedOnce) this.logger.log(`redis (${this.name}) reconnected`);
    this.up = true;
    this.connectedOnce = true;
    // The first error of the next outage is logged at once.
    this.logGate = atMostEvery(ERROR_LOG_EVERY_MS);
  }

  /** The connection was lost or could not be made; the client reconnects by itself. */
  error(error: unknown): void {
    this.errors.inc({ connection: this.name });
    this.lastErrorAt = new Date();
    this.up = false;
    if (this.logGate()) {
      this.logger.warn(
        `redis (${this.name}) unavailable, failing open until it is back: ${errorMessage(error)}`,
      );
    }
  }

  /** The connection closed or is being re-established (a reconnect follows unless stopping). */
  closed(): void {
    this.up = false;
  }
}
