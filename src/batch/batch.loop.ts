import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelay } from '../common/backoff';

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;

/** What the loop runs and whom it tells. */
export interface FlushLoopHost {
  /** Sequence number of the last row added. */
  lastSeq(): number;
  /** True when a flush should start now, rows up to `target` being wanted now. */
  isDue(target: number): boolean;
  /** One flush; rejects when it failed and kept its rows. */
  flush(): Promise<void>;
  /** After every attempt, written or not. */
  afterAttempt(written: boolean): Promise<void>;
  /** A failed attempt, before the pause of `delayMs` until retry number `retry`. */
  onRetry(error: unknown, retry: number, delayMs: number): void;
  /** The loop itself failed (a bug): it stops, and the next kick starts it again. */
  onCrash(error: unknown): void;
}

/**
 * Runs flushes one at a time for as long as one is due, and retries a failed flush with
 * exponential backoff and equal jitter (see backoffDelay: each pause between half and all of a
 * ceiling that doubles from 100 ms to 5 s), for as long as the database stays down. A drain
 * wants everything now, cuts a pause short and gives up at its deadline.
 */
export class FlushLoop {
  private running: Promise<void> | null = null;
  private queued = false;
  /** Rows up to this sequence number are wanted now (by the schedule, flushed() or a drain). */
  private target = 0;
  private attempt = 0;
  private pause = new AbortController();
  private drains = 0;
  private giveUpAt: number | null = null;
  private stopped = false;

  constructor(private readonly host: FlushLoopHost) {}

  /** Wants every row up to `seq` now: flushed as soon as the loop is free (group commit). */
  want(seq: number): void {
    if (seq <= this.target) return;
    this.target = seq;
    this.kickSoon();
  }

  /** The scheduled flush: everything added so far. */
  tick(): void {
    this.target = Math.max(this.target, this.host.lastSeq());
    this.kick();
  }

  /**
   * Starts the loop after the current tick, unless it runs: the caller is mid-handler, and more
   * rows of the same tick should join.
   */
  kickSoon(): void {
    if (this.running || this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.kick();
    });
  }

  /** Writes everything, retrying until `until` (a Date.now() time); resolves when done or out of time. */
  async drain(until: number): Promise<void> {
    this.drains++;
    this.giveUpAt = Math.max(this.giveUpAt ?? 0, until);
    this.target = Infinity;
    this.pause.abort();
    try {
      while (Date.now() < until) {
        this.kick();
        if (!this.running) break;
        await untilOrTimeout(this.running, until - Date.now());
      }
    } finally {
      if (--this.drains === 0) {
        this.giveUpAt = null;
        this.target = this.host.lastSeq();
      }
    }
  }

  /** After shutdown only a drain retries: no retry timer keeps the process alive. */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves when no flush runs. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running || !this.host.isDue(this.target)) return;
    this.running = this.run()
      .catch((error: unknown) => {
        this.host.onCrash(error);
        return false;
      })
      .then((finished) => {
        this.running = null;
        // Rows added (or waited for) between the loop's last check and now found it running.
        if (finished && this.host.isDue(this.target)) this.kickSoon();
      });
  }

  /** Flushes while one is due; false when it gave up (a drain's deadline, or shutdown). */
  private async run(): Promise<boolean> {
    while (this.host.isDue(this.target)) {
      let written = true;
      try {
        await this.host.flush();
        this.attempt = 0;
      } catch (error) {
        written = false;
        await this.host.afterAttempt(false);
        if (!(await this.backoff(error))) return false;
      }
      if (written) await this.host.afterAttempt(true);
    }
    return true;
  }

  /** Waits before the next attempt; false when there is no time (or no reason) for one. */
  private async backoff(error: unknown): Promise<boolean> {
    if (this.stopped && this.drains === 0) return false;
    let ms = backoffDelay(this.attempt++, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
    if (this.giveUpAt !== null) {
      const left = this.giveUpAt - Date.now();
      if (left <= 0) return false;
      ms = Math.min(ms, left);
    }
    this.host.onRetry(error, this.attempt, ms);
    if (this.pause.signal.aborted) this.pause = new AbortController();
    await delay(ms, undefined, { signal: this.pause.signal }).catch(() => undefined);
    return true;
  }
}

/** Waits for `promise`, but no longer than `ms`. */
async function untilOrTimeout(promise: Promise<void>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    promise,
    delay(Math.max(0, ms), undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
}
