import { EventEmitter, once } from 'node:events';

/**
 * Which offset may be confirmed to Telegram: everything below the oldest update that is not finished
 * (handled and durable). Confirming more would let a crash lose updates Telegram considers delivered.
 */
export class OffsetTracker {
  private readonly unfinished = new Set<number>();
  private highest = -1;
  /** 'offset' when the confirmable offset moves, 'idle' when nothing is unfinished. */
  private readonly events = new EventEmitter().setMaxListeners(0);
  private lastOffset = 0;

  /** The offset to send with the next getUpdates (0 before any update was seen). */
  get offset(): number {
    if (this.highest < 0) return 0;
    let min = Infinity;
    for (const id of this.unfinished) if (id < min) min = id;
    return min === Infinity ? this.highest + 1 : min;
  }

  /** The offset past every update seen, finished or not (0 before any): for journaled intake. */
  get next(): number {
    return this.highest + 1;
  }

  get pending(): number {
    return this.unfinished.size;
  }

  /**
   * How many new updates a getUpdates with `limit` could bring: Telegram answers from the offset, so
   * the unfinished updates at the front of the window take up places.
   */
  room(limit: number): number {
    if (this.unfinished.size === 0) return limit;
    return Math.max(0, limit - (this.highest - this.offset + 1));
  }

  /** Resolves once `room(limit)` is at least `wanted`, or `signal` aborts. */
  async whenRoom(limit: number, wanted: number, signal?: AbortSignal): Promise<void> {
    while (this.room(limit) < wanted && !signal?.aborted)
      await this.whenOffsetMovesFrom(this.offset, signal);
  }

  isUnfinished(updateId: number): boolean {
    return this.unfinished.has(updateId);
  }

  accept(updateId: number): void {
    this.unfinished.add(updateId);
    if (updateId > this.highest) this.highest = updateId;
  }

  /** Marks an id seen but never processed (a duplicate) so the offset can move past it. */
  skip(updateId: number): void {
    if (updateId > this.highest) this.highest = updateId;
  }

  finish(updateId: number): void {
    this.unfinished.delete(updateId);
    const offset = this.offset;
    if (offset !== this.lastOffset) {
      this.lastOffset = offset;
      this.events.emit('offset');
    }
    if (this.unfinished.size === 0) this.events.emit('idle');
  }

  /**
   * Resolves once the confirmable offset differs from `from` (at once if it already does), or when
   * `signal` aborts. Comparing with the caller's value, not "now", means a finish that happened
   * between the caller's poll and this call is not missed.
   */
  async whenOffsetMovesFrom(from: number, signal?: AbortSignal): Promise<void> {
    while (this.offset === from && !signal?.aborted) {
      this.lastOffset = this.offset;
      // Rejects only when `signal` aborts, which ends the loop.
      await once(this.events, 'offset', { signal }).catch(() => undefined);
    }
  }

  /**
   * Resolves when nothing is unfinished, or after `timeoutMs`, or when `signal` aborts. The poll
   * loop waits here up to every poll on one long-lived signal: `once` removes its listeners
   * whichever comes first.
   */
  async whenIdle(signal?: AbortSignal, timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.unfinished.size === 0 || signal?.aborted) return;
    const until = [signal, Number.isFinite(timeoutMs) ? AbortSignal.timeout(timeoutMs) : undefined];
    const stop = AbortSignal.any(until.filter((s): s is AbortSignal => s !== undefined));
    await once(this.events, 'idle', { signal: stop }).catch(() => undefined);
  }
}
