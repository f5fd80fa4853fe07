/**
 * At most `limit` events in any window of `windowMs`: a ring of the last `limit` event times.
 * O(1) per event, no timers. Unlike a token bucket it cannot be overrun after an idle period, so it
 * caps what a bucket with a burst lets through when it catches up after event-loop lag.
 */
export class SlidingWindow {
  private readonly times: number[];
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Array<number>(limit).fill(-Infinity);
  }

  /** Milliseconds until one more event fits (0: now). */
  msUntilFree(now: number): number {
    return Math.max(0, Math.ceil(this.times[this.next] + this.windowMs - now));
  }

  /** Records an event at `now` (call only when `msUntilFree(now)` is 0). */
  record(now: number): void {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
  }

  /**
   * The newest event recorded up to `toleranceMs` before `recordedAt` happened at `at` (later)
   * after all. Events never happen before they are recorded, so checking against the true time of
   * the event `limit` places back keeps every window of true times within the limit.
   */
  moveLater(recordedAt: number, at: number, toleranceMs = 5): void {
    for (let i = 1; i <= this.limit; i++) {
      const slot = (this.next - i + this.limit) % this.limit;
      const time = this.times[slot];
      if (time > recordedAt || time < recordedAt - toleranceMs) continue;
      if (at > time) this.times[slot] = at;
      return;
    }
  }
}
