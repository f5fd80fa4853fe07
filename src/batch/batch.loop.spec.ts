import { FlushLoop, type FlushLoopHost } from './batch.loop';

// Jest's fake timers cover the global timers only: the loop's pauses go through them here.
jest.mock('node:timers/promises', () => ({
  setTimeout: (ms: number, value: unknown, options?: { signal?: AbortSignal }) =>
    new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) return reject(signal.reason as Error);
      const abort = () => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', abort);
        resolve(value);
      }, ms);
      signal?.addEventListener('abort', abort, { once: true });
    }),
}));

/** A host whose rows are numbers and whose flush is a promise the test settles. */
class Host implements FlushLoopHost {
  waiting: number[] = [];
  seq = 0;
  flushes: number[][] = [];
  retries: number[] = [];
  active = 0;
  maxActive = 0;
  /** Each flush takes the next outcome: 'ok' (default), an error, or a gate to wait for. */
  outcomes: (Error | Promise<void>)[] = [];
  size = 3;

  add(n = 1): void {
    for (let i = 0; i < n; i++) this.waiting.push(++this.seq);
  }
  lastSeq = () => this.seq;
  isDue = (target: number) =>
    this.waiting.length > 0 && (this.waiting[0] <= target || this.waiting.length >= this.size);
  flush = async () => {
    const rows = this.waiting.splice(0, this.size);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      const outcome = this.outcomes.shift();
      if (outcome instanceof Error) throw outcome;
      await outcome;
      this.flushes.push(rows);
    } catch (error) {
      this.waiting.unshift(...rows);
      throw error;
    } finally {
      this.active--;
    }
  };
  afterAttempt = async () => undefined;
  onRetry = (_error: unknown, _retry: number, delayMs: number) => void this.retries.push(delayMs);
  onCrash = (error: unknown) => {
    throw error;
  };
}

const down = () => Object.assign(new Error('down'), { code: 'ECONNREFUSED' });

describe('FlushLoop', () => {
  let host: Host;
  let loop: FlushLoop;

  beforeEach(() => {
    jest.useFakeTimers();
    host = new Host();
    loop = new FlushLoop(host);
  });
  afterEach(() => jest.useRealTimers());

  it('flushes a full chunk after the current tick, not inside the caller', async () => {
    host.add(3);
    loop.kickSoon();
    expect(host.flushes).toEqual([]);
    await jest.advanceTimersByTimeAsync(0);
    expect(host.flushes).toEqual([[1, 2, 3]]);
  });

  it('leaves a partial chunk for the schedule, and the tick writes it', async () => {
    host.add(2);
    loop.kickSoon();
    await jest.advanceTimersByTimeAsync(0);
    expect(host.flushes).toEqual([]);
    loop.tick();
    await jest.advanceTimersByTimeAsync(0);
    expect(host.flushes).toEqual([[1, 2]]);
  });

  it('never runs two flushes at once; rows wanted meanwhile go in the next one', async () => {
    let open!: () => void;
    host.outcomes.push(new Promise((resolve) => (open = resolve)));
    host.add(1);
    loop.want(1);
    await jest.advanceTimersByTimeAsync(0);
    host.add(2);
    loop.want(3);
    loop.tick();
    await jest.advanceTimersByTimeAsync(0);
    expect(host.active).toBe(1);
    open();
    await jest.advanceTimersByTimeAsync(0);
    expect(host.maxActive).toBe(1);
    expect(host.flushes).toEqual([[1], [2, 3]]);
  });

  it('retries while the database is down, with pauses that grow to 5 s (equal jitter)', async () => {
    for (let i = 0; i < 12; i++) host.outcomes.push(down());
    host.add(3);
    loop.kickSoon();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(host.flushes).toEqual([[1, 2, 3]]);
    expect(host.retries).toHaveLength(12);
    host.retries.forEach((ms, i) => {
      const ceiling = Math.min(5000, 100 * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    });
  });

  it('drain cuts a pause short, writes everything, and gives up at its deadline', async () => {
    host.outcomes.push(down(), down(), down(), down(), down(), down());
    host.add(2);
    loop.tick();
    await jest.advanceTimersByTimeAsync(1000); // a few retries: the next pause is long
    const drained = loop.drain(Date.now() + 100_000);
    await jest.advanceTimersByTimeAsync(5000);
    await drained;
    expect(host.flushes).toEqual([[1, 2]]);

    for (let i = 0; i < 100; i++) host.outcomes.push(down());
    host.add(1);
    const givenUp = loop.drain(Date.now() + 3000);
    await jest.advanceTimersByTimeAsync(3000);
    await givenUp;
    expect(host.waiting).toEqual([3]);
  });

  it('after stop() only a drain retries, so no timer keeps the process alive', async () => {
    for (let i = 0; i < 100; i++) host.outcomes.push(down());
    loop.stop();
    host.add(1);
    loop.tick();
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(0);
    host.outcomes.length = 0;
    await loop.drain(Date.now() + 1000);
    expect(host.flushes).toEqual([[1]]);
  });
});
