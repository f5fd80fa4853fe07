import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryRateLimitStorage } from './memory-rate-limit.storage';

describe('MemoryRateLimitStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('decides like @nestjs/throttler’s in-memory storage over a random run', async () => {
    const ours = new MemoryRateLimitStorage();
    const reference = new ThrottlerStorageService();
    // A small deterministic generator, so a failure can be replayed.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let blocked = 0;
    for (let i = 0; i < 5_000; i++) {
      jest.advanceTimersByTime(Math.floor(random() * 800));
      const key = `user:${Math.floor(random() * 5)}`;
      const [ttl, limit] = random() < 0.7 ? [60_000, 10] : [2_000, 1];
      const mine = await ours.increment(`${key}:${ttl}`, ttl, limit, ttl);
      if (mine.isBlocked) blocked++;
      const theirs = await reference.increment(`${key}:${ttl}`, ttl, limit, ttl, 'n');
      expect({
        step: i,
        ...mine,
        timeToBlockExpire: mine.isBlocked && mine.timeToBlockExpire,
      }).toEqual({
        step: i,
        ...theirs,
        timeToBlockExpire: theirs.isBlocked && theirs.timeToBlockExpire,
      });
    }
    expect(blocked).toBeGreaterThan(500);
    ours.onApplicationShutdown();
    reference.onApplicationShutdown();
  });

  it('forgets keys whose window, hits and block are over', async () => {
    const storage = new MemoryRateLimitStorage();
    await storage.increment('a', 1_000, 1, 1_000);
    await storage.increment('a', 1_000, 1, 1_000); // blocked
    await storage.increment('b', 120_000, 5, 120_000);
    expect(storage.size).toBe(2);
    jest.advanceTimersByTime(60_000);
    expect(storage.size).toBe(1);
    await expect(storage.increment('a', 1_000, 1, 1_000)).resolves.toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    storage.onApplicationShutdown();
  });
});
