import { OutboundClosedError, OutboundGovernor, type GovernorOptions } from './outbound.governor';

describe('OutboundGovernor', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const governor = (options: Partial<GovernorOptions> = {}) =>
    new OutboundGovernor({ globalPerSecond: 30, chatPerSecond: 1, groupPerMinute: 20, ...options });

  /** Starts acquires and records the fake-clock time at which each one is released. */
  function track(promises: Promise<void>[]) {
    const start = Date.now();
    const times: (number | undefined)[] = promises.map(() => undefined);
    promises.forEach((p, i) => void p.then(() => (times[i] = Date.now() - start)));
    return times;
  }

  it('lets a call through at once, without a timer, when tokens are available', async () => {
    const g = governor();

    await expect(g.acquire(1, 'interactive')).resolves.toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
    expect(g.queued('interactive')).toBe(0);
  });

  it('allows a burst of 3 to one private chat, then one per second', async () => {
    const g = governor({ globalPerSecond: 1000, globalBurst: 1000 });

    const times = track(Array.from({ length: 5 }, () => g.acquire(42, 'interactive')));
    await jest.advanceTimersByTimeAsync(2500);

    expect(times).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('releases a burst to many chats at once when the global rate allows it', async () => {
    const g = governor({ globalPerSecond: 100_000, chatPerSecond: 100_000 });

    const times = track(Array.from({ length: 500 }, (_, chat) => g.acquire(chat, 'interactive')));
    await jest.advanceTimersByTimeAsync(0);

    expect(times.every((t) => t === 0)).toBe(true);
  });

  it('spaces calls to different chats by the global rate after a burst of 3', async () => {
    const g = governor({ globalPerSecond: 10 });

    const times = track([1, 2, 3, 4, 5, 6, 7].map((chat) => g.acquire(chat, 'interactive')));
    expect(g.queued('interactive')).toBe(4);
    await jest.advanceTimersByTimeAsync(1000);

    expect(times).toEqual([0, 0, 0, 100, 200, 300, 400]);
    expect(g.queued('interactive')).toBe(0);
  });

  it('never releases more than the global rate within any second, even catching up after lag', async () => {
    const g = governor({ globalPerSecond: 30 });
    const released: number[] = [];
    const start = Date.now();
    const all = Array.from({ length: 300 }, (_, i) =>
      g
        .acquire(i, i % 2 ? 'interactive' : 'broadcast')
        .then(() => released.push(Date.now() - start)),
    );

    // A busy event loop: timers fire up to 120 ms late.
    for (let i = 0; i < 200 && released.length < 300; i++) {
      jest.setSystemTime(Date.now() + (i % 4 === 0 ? 120 : 0));
      await jest.advanceTimersByTimeAsync(50);
    }
    await Promise.all(all);

    const perWindow = released.map((t) => released.filter((u) => u >= t && u < t + 1000).length);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(30);
    // 300 at 30 per 1.05 s take 10.5 s without lag; most of the lost time is made up.
    expect(released[released.length - 1]).toBeLessThan(12_000);
  });

  it('counts a call that went out late when it went out, so no second holds more than the rate', async () => {
    const g = governor({ globalPerSecond: 10, chatPerSecond: 1000, chatBurst: 1000 });
    const sent: number[] = [];
    const start = Date.now();
    // The first ten wait 900 ms between their release and their send (a slow journal write), so
    // without the late count they would go out together with the next ten.
    const all = Array.from({ length: 40 }, (_, i) =>
      g.acquire(i, 'interactive').then(async () => {
        const releasedAt = Date.now();
        if (i >= 10) return void sent.push(Date.now() - start);
        await new Promise((resolve) => setTimeout(resolve, 900));
        g.sentLate(releasedAt, Date.now());
        sent.push(Date.now() - start);
      }),
    );
    await jest.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);

    sent.sort((a, b) => a - b);
    const perWindow = sent.map((t) => sent.filter((u) => u >= t && u < t + 1000).length);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(10);
  });

  it('limits a group to 20 per minute after its burst', async () => {
    const g = governor({ globalPerSecond: 1000, globalBurst: 1000 });

    const times = track(Array.from({ length: 5 }, () => g.acquire(-100123, 'interactive')));
    await jest.advanceTimersByTimeAsync(10_000);

    expect(times).toEqual([0, 0, 0, 3000, 6000]);
  });

  it('sends an interactive reply before broadcasts that were queued earlier', async () => {
    const g = governor({ globalPerSecond: 10, globalBurst: 1 });
    const order: string[] = [];
    const broadcasts = [1, 2, 3, 4].map((chat) =>
      g.acquire(chat, 'broadcast').then(() => order.push(`b${chat}`)),
    );
    await jest.advanceTimersByTimeAsync(0);

    const reply = g.acquire(99, 'interactive').then(() => order.push('reply'));
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all([...broadcasts, reply]);

    expect(order).toEqual(['b1', 'reply', 'b2', 'b3', 'b4']);
  });

  it('pauses one chat for retry_after after a 429 and leaves other chats alone', async () => {
    const g = governor();
    await g.acquire(7, 'interactive');

    expect(g.reportFlood(7, 5000)).toBe('chat');
    const times = track([g.acquire(7, 'interactive', true), g.acquire(8, 'interactive')]);
    await jest.advanceTimersByTimeAsync(6000);

    expect(times[0]).toBe(5000);
    expect(times[1]).toBeLessThan(100);
  });

  it('pauses the whole bot when 429s come from several chats at once', async () => {
    const g = governor();

    expect(g.reportFlood(1, 2000)).toBe('chat');
    expect(g.reportFlood(2, 2000)).toBe('chat');
    expect(g.reportFlood(3, 2000)).toBe('global');
    const times = track([g.acquire(4, 'interactive')]);
    await jest.advanceTimersByTimeAsync(3000);

    expect(times[0]).toBe(2000);
  });

  it('treats a 429 on a call without a chat as bot-wide', () => {
    const g = governor();

    expect(g.reportFlood(undefined, 1000)).toBe('global');
    expect(g.globalPauseMs()).toBe(1000);
  });

  it('keeps a retried call ahead of later calls to the same chat', async () => {
    const g = governor({ chatBurst: 1 });
    await g.acquire(5, 'interactive');
    const order: string[] = [];
    const later = g.acquire(5, 'interactive').then(() => order.push('later'));

    g.reportFlood(5, 1000);
    const retried = g.acquire(5, 'interactive', true).then(() => order.push('retried'));
    await jest.advanceTimersByTimeAsync(3000);
    await Promise.all([later, retried]);

    expect(order).toEqual(['retried', 'later']);
  });

  it('forgets idle chats so 10,000 users do not grow memory without bound', async () => {
    const g = governor({
      globalPerSecond: 1_000_000,
      globalBurst: 1_000_000,
      sweepThreshold: 1000,
    });

    for (let wave = 0; wave < 10; wave++) {
      for (let user = 0; user < 1000; user++) await g.acquire(wave * 1000 + user, 'interactive');
      jest.advanceTimersByTime(5000);
    }

    expect(g.trackedChats()).toBeLessThanOrEqual(2000);
  });

  it('rejects waiting calls when closed', async () => {
    const g = governor({ chatBurst: 1 });
    await g.acquire(1, 'interactive');
    const waiting = g.acquire(1, 'interactive');

    g.close();

    await expect(waiting).rejects.toBeInstanceOf(OutboundClosedError);
    expect(jest.getTimerCount()).toBe(0);
  });
});
