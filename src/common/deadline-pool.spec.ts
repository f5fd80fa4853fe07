import { DeadlinePool } from './deadline-pool';
import { TimeoutError } from './timeout';

describe('DeadlinePool', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('settles as the work does, and keeps no timer once nothing runs', async () => {
    const pool = new DeadlinePool(1000);
    await expect(pool.race(Promise.resolve(7), 'ok')).resolves.toBe(7);
    await expect(pool.race(Promise.reject(new Error('boom')), 'bad')).rejects.toThrow('boom');
    jest.advanceTimersByTime(100);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects overdue work with a TimeoutError within a tenth of the deadline, oldest first', async () => {
    const pool = new DeadlinePool(1000);
    const never = new Promise<never>(() => undefined);
    const first = pool.race(never, 'update 1');
    jest.advanceTimersByTime(500);
    const second = pool.race(never, 'update 2');
    const fast = pool.race(Promise.resolve('done'), 'update 3');
    await expect(fast).resolves.toBe('done');

    let firstError: unknown;
    first.catch((error: unknown) => (firstError = error));
    let secondSettled = false;
    second.catch(() => (secondSettled = true));
    jest.advanceTimersByTime(600);
    await Promise.resolve();
    expect(firstError).toBeInstanceOf(TimeoutError);
    expect((firstError as Error).message).toBe('update 1 timed out after 1000 ms');
    expect(secondSettled).toBe(false);

    jest.advanceTimersByTime(500);
    await expect(second).rejects.toThrow('update 2 timed out after 1000 ms');
    expect(jest.getTimerCount()).toBe(0);
  });
});
