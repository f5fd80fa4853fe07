import { backoffDelay, retry } from './backoff';

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt, caps it, and jitters within the upper half', () => {
    const at = (attempt: number, r: number) =>
      backoffDelay(attempt, { baseMs: 100, maxMs: 1000, random: () => r });
    expect([at(0, 0), at(0, 1)]).toEqual([50, 100]);
    expect([at(3, 0), at(3, 1)]).toEqual([400, 800]);
    expect([at(10, 0), at(10, 1)]).toEqual([500, 1000]);
  });
});

describe('retry', () => {
  const noSleep = () => Promise.resolve();

  it('retries retryable errors until success', async () => {
    let calls = 0;
    const result = retry(
      async () => {
        if (++calls < 3) throw new Error('transient');
        return 'ok';
      },
      { attempts: 5, baseMs: 1, maxMs: 1, shouldRetry: () => true, sleep: noSleep },
    );
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up at once on a non-retryable error', async () => {
    let calls = 0;
    const result = retry(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      { attempts: 5, baseMs: 1, maxMs: 1, shouldRetry: () => false, sleep: noSleep },
    );
    await expect(result).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });

  it('stops after the given number of attempts', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = retry(
      async () => {
        calls++;
        throw new Error('down');
      },
      {
        attempts: 4,
        baseMs: 10,
        maxMs: 1000,
        shouldRetry: () => true,
        sleep: noSleep,
        random: () => 1,
        onRetry: (_e, _a, d) => delays.push(d),
      },
    );
    await expect(result).rejects.toThrow('down');
    expect(calls).toBe(4);
    expect(delays).toEqual([10, 20, 40]);
  });
});
