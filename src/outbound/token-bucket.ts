/** Tolerance for floating-point drift when tokens are refilled in fractions. */
const EPSILON = 1e-9;

/**
 * A lazily refilled token bucket: no timers, refilled from the elapsed time whenever it is asked.
 * `capacity` is the burst; `perSecond` the sustained rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(
    readonly capacity: number,
    perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
    this.perMs = perSecond / 1000;
  }

  /** Takes one token if there is one. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1 - EPSILON) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Milliseconds until a token is available (0: now). */
  msUntilToken(now: number): number {
    this.refill(now);
    if (this.tokens >= 1 - EPSILON) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  /** Full again: forgetting this bucket and creating a new one later changes nothing. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity - EPSILON;
  }

  private refill(now: number): void {
    if (now <= this.last) return;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }
}
