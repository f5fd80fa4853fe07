import { TimeoutError } from './timeout';

interface Running {
  expiresAt: number;
  label: string;
  reject: (error: Error) => void;
}

/**
 * One deadline (`ms`) for many concurrent operations, kept by a single timer that runs only while
 * something is running. `withTimeout` costs a timer and three promises per operation, which the
 * dispatcher paid for every update; here an operation costs one Map entry and one promise. An
 * overdue operation is rejected at the next sweep: within `ms` + `ms` / 10 (at most + 1 s).
 */
export class DeadlinePool {
  /** In start order, which is also deadline order (one `ms` for all): a sweep stops at the first live one. */
  private readonly running = new Map<number, Running>();
  private nextId = 0;
  private timer?: NodeJS.Timeout;
  private readonly sweepEveryMs: number;

  constructor(
    readonly ms: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweepEveryMs = Math.min(1000, Math.max(10, Math.ceil(ms / 10)));
  }

  /** Settles as `work` does, or rejects with a TimeoutError once the deadline has passed. */
  race<T>(work: Promise<T>, label: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.running.set(id, { expiresAt: this.now() + this.ms, label, reject });
      this.timer ??= setInterval(() => this.sweep(), this.sweepEveryMs);
      work.then(
        (value) => {
          this.running.delete(id);
          resolve(value);
        },
        (error: Error) => {
          this.running.delete(id);
          reject(error);
        },
      );
    });
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, run] of this.running) {
      if (run.expiresAt > now) break;
      this.running.delete(id);
      run.reject(new TimeoutError(run.label, this.ms));
    }
    if (this.running.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
