interface DurableWaiter {
  target: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Callers of durable(): each waits until no row with a sequence number <= its target is pending. */
export class DurableWaiters {
  private waiters: DurableWaiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  wait(target: number): Promise<void> {
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  /** Resolves every waiter whose rows are all below `minPendingSeq` (the oldest uncommitted row). */
  settle(minPendingSeq: number): void {
    const waiting: DurableWaiter[] = [];
    for (const w of this.waiters) {
      if (w.target < minPendingSeq) w.resolve();
      else waiting.push(w);
    }
    this.waiters = waiting;
  }

  rejectAll(error: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}
