import { getEventListeners } from 'node:events';
import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('confirms nothing before the first update and everything once all are finished', () => {
    const tracker = new OffsetTracker();
    expect(tracker.offset).toBe(0);
    [10, 11, 12].forEach((id) => tracker.accept(id));
    [10, 11, 12].forEach((id) => tracker.finish(id));
    expect(tracker.offset).toBe(13);
  });

  it('never confirms past the oldest unfinished update', () => {
    const tracker = new OffsetTracker();
    [10, 11, 12].forEach((id) => tracker.accept(id));
    tracker.finish(11);
    tracker.finish(12);
    expect(tracker.offset).toBe(10);
    tracker.finish(10);
    expect(tracker.offset).toBe(13);
  });

  it('moves past skipped duplicates', () => {
    const tracker = new OffsetTracker();
    tracker.skip(20);
    expect(tracker.offset).toBe(21);
  });

  it('wakes waiters only when the offset advances', async () => {
    const tracker = new OffsetTracker();
    [1, 2].forEach((id) => tracker.accept(id));
    let woke = false;
    const waiting = tracker.whenOffsetMovesFrom(tracker.offset).then(() => (woke = true));
    tracker.finish(2);
    await Promise.resolve();
    expect(woke).toBe(false);
    tracker.finish(1);
    await waiting;
    expect(woke).toBe(true);
  });

  it('does not wait when the offset already moved since the caller looked', async () => {
    const tracker = new OffsetTracker();
    tracker.accept(1);
    const seen = tracker.offset;
    tracker.finish(1);
    await expect(tracker.whenOffsetMovesFrom(seen)).resolves.toBeUndefined();
  });

  it('counts the room for new updates in a poll window held by unfinished ones', () => {
    const tracker = new OffsetTracker();
    expect(tracker.room(100)).toBe(100);
    for (let id = 1; id <= 100; id++) tracker.accept(id);
    expect(tracker.room(100)).toBe(0);
    for (let id = 1; id <= 60; id++) tracker.finish(id);
    expect(tracker.room(100)).toBe(60);
    for (let id = 61; id <= 100; id++) tracker.finish(id);
    expect(tracker.room(100)).toBe(100);
  });

  it('stops waiting for idle after the given time', async () => {
    const tracker = new OffsetTracker();
    tracker.accept(1);
    await expect(tracker.whenIdle(undefined, 20)).resolves.toBeUndefined();
    expect(tracker.pending).toBe(1);
  });

  it('keeps one listener on the poll loop signal however often the offset moves while it waits', async () => {
    const tracker = new OffsetTracker();
    const signal = new AbortController().signal;
    for (let id = 1; id <= 30; id++) tracker.accept(id);
    const idle = tracker.whenIdle(signal, 60_000);
    let mostListeners = 0;
    for (let id = 1; id <= 30; id++) {
      tracker.finish(id);
      await new Promise((resolve) => setImmediate(resolve));
      mostListeners = Math.max(mostListeners, getEventListeners(signal, 'abort').length);
    }
    await idle;
    // Node warns of a leak from 11 listeners on; one wait needs one.
    expect(mostListeners).toBeLessThanOrEqual(1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('leaves no listener behind when a wait for idle times out', async () => {
    const tracker = new OffsetTracker();
    const signal = new AbortController().signal;
    tracker.accept(1);
    for (let i = 0; i < 20; i++) await tracker.whenIdle(signal, 1);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(tracker.pending).toBe(1);
  });

  it('stops waiting for idle when the signal aborts', async () => {
    const tracker = new OffsetTracker();
    const controller = new AbortController();
    tracker.accept(1);
    const idle = tracker.whenIdle(controller.signal);
    controller.abort();
    await expect(idle).resolves.toBeUndefined();
    expect(tracker.pending).toBe(1);
  });
});
