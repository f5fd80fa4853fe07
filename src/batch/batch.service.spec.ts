import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { dbError, FakeBatchWriter, message } from '../../test/support/fake-batch-writer';
import type { BatchJournal } from './batch.journal';
import { BatchService } from './batch.service';
import type { UserActivity } from './batch.types';

const activity = (id: number, messages = 1, extra: Partial<UserActivity> = {}): UserActivity => ({
  id,
  username: `u${id}`,
  firstName: 'First',
  lastName: null,
  languageCode: 'en',
  seenAt: new Date(1_700_000_000_000),
  messages,
  ...extra,
});

function setup(
  config: Partial<{ size: number; flushIntervalMs: number; maxPending: number }> = {},
) {
  const writer = new FakeBatchWriter();
  const registry = new Registry();
  const service = new BatchService(
    {
      size: 3,
      flushIntervalMs: 1000,
      maxPending: 100,
      journalDir: null,
      journalFsync: 'always',
      ...config,
    },
    writer,
    registry,
  );
  void service.onModuleInit();
  return { service, writer, registry };
}

/** Resolves when `promise` settles; reports whether it did within the fake-time budget. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await jest.advanceTimersByTimeAsync(ms);
  return done;
}

describe('BatchService', () => {
  let ctx: ReturnType<typeof setup>;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(async () => {
    ctx.writer.gate = null;
    ctx.writer.failNext.length = 0;
    await ctx.service.beforeApplicationShutdown();
    jest.useRealTimers();
  });

  it('writes a full chunk soon after the size is reached, not inside add', async () => {
    ctx = setup();
    [1, 2, 3].forEach((id) => ctx.service.addMessage(message(id)));
    expect(ctx.writer.writes).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(ctx.writer.writes.map((w) => w.messages.map((m) => m.updateId))).toEqual([[1, 2, 3]]);
  });

  it('writes a partial chunk on the interval', async () => {
    ctx = setup();
    ctx.service.addMessage(message(1));
    ctx.service.addMessage(message(2));
    await jest.advanceTimersByTimeAsync(999);
    expect(ctx.writer.writes).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(ctx.writer.storedIds()).toEqual([1, 2]);
  });

  it('keeps flushing back to back while full chunks wait, never two flushes at once', async () => {
    ctx = setup();
    let open!: () => void;
    ctx.writer.gate = new Promise((resolve) => (open = resolve));
    for (let id = 1; id <= 10; id++) ctx.service.addMessage(message(id));
    await jest.advanceTimersByTimeAsync(1);
    for (let id = 11; id <= 12; id++) ctx.service.addMessage(message(id));
    await jest.advanceTimersByTimeAsync(5000); // interval ticks while the first write hangs
    expect(ctx.writer.active).toBe(1);
    open();
    ctx.writer.gate = null;
    await jest.advanceTimersByTimeAsync(1);
    expect(ctx.writer.maxActive).toBe(1);
    expect(ctx.writer.writes.map((w) => w.messages.length)).toEqual([3, 3, 3, 3]);
    expect(ctx.writer.storedIds()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('retries a failed flush with backoff and keeps the rows in order', async () => {
    ctx = setup();
    ctx.writer.failNext.push(dbError('ECONNREFUSED'), dbError('57P01'), dbError('08006'));
    [1, 2, 3].forEach((id) => ctx.service.addMessage(message(id)));
    await jest.advanceTimersByTimeAsync(1);
    [4, 5].forEach((id) => ctx.service.addMessage(message(id)));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(ctx.writer.storedIds()).toEqual([1, 2, 3, 4, 5]);
    expect(ctx.service.snapshot()).toMatchObject({
      failures: 3,
      retries: 3,
      pending: { total: 0 },
    });
  });

  it('keeps retrying transient errors for as long as the database is down', async () => {
    ctx = setup();
    for (let i = 0; i < 100; i++) ctx.writer.failNext.push(dbError('ECONNREFUSED'));
    ctx.service.addMessage(message(1));
    await jest.advanceTimersByTimeAsync(120_000);
    expect(ctx.writer.storedIds()).toEqual([]);
    expect(ctx.service.snapshot().pending.messages).toBe(1);
    ctx.writer.failNext.length = 0;
    await jest.advanceTimersByTimeAsync(6_000);
    expect(ctx.writer.storedIds()).toEqual([1]);
  });

  it('dead-letters only the row the database refuses and writes the rest', async () => {
    ctx = setup({ size: 4 });
    ctx.writer.rejects = (m) => m.updateId === 3;
    [1, 2, 3, 4].forEach((id) => ctx.service.addMessage(message(id)));
    ctx.service.addUserActivity(activity(1003));
    await jest.advanceTimersByTimeAsync(1);
    expect(ctx.writer.storedIds().sort()).toEqual([1, 2, 4]);
    expect(ctx.writer.deadLetters).toEqual([
      {
        kind: 'message',
        payload: expect.objectContaining({ updateId: 3 }),
        reason: expect.stringContaining('22P02'),
      },
    ]);
    // The refused message is not counted; the user row itself is still written.
    expect(ctx.writer.users.get(1003)).toMatchObject({ username: 'u1003', messageCount: 0 });
    expect(ctx.service.snapshot()).toMatchObject({ deadLetters: 1, pending: { total: 0 } });
  });

  it('merges activity per user: 20 sightings become one row with +20 and the latest names', async () => {
    ctx = setup({ size: 50 });
    for (let i = 0; i < 20; i++) {
      ctx.service.addUserActivity(
        activity(7, 1, { seenAt: new Date(1_700_000_000_000 + i), username: `name${i}` }),
      );
    }
    ctx.service.addUserActivity(
      activity(7, 0, { seenAt: new Date(1_600_000_000_000), username: 'old' }),
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(ctx.writer.writes).toHaveLength(1);
    expect(ctx.writer.writes[0].users).toEqual([
      expect.objectContaining({
        id: 7,
        extra: 20,
        username: 'name19',
        firstSeenAt: new Date(1_600_000_000_000),
      }),
    ]);
  });

  it.each([1, 0])(
    'counts a message once, and a replayed update never, with activity messages = %i',
    async (n) => {
      ctx = setup();
      ctx.service.addMessage(message(1, 42));
      ctx.service.addUserActivity(activity(42, n));
      await jest.advanceTimersByTimeAsync(1000);
      ctx.service.addUserActivity(activity(42, n)); // replay after a crash: activity first this time
      ctx.service.addMessage(message(1, 42));
      await jest.advanceTimersByTimeAsync(1000);
      expect(ctx.writer.writes).toHaveLength(2);
      expect(ctx.writer.users.get(42)?.messageCount).toBe(1);
    },
  );

  it('counts a message once when its activity arrives while the message is being written', async () => {
    ctx = setup();
    let open!: () => void;
    ctx.writer.gate = new Promise((resolve) => (open = resolve));
    ctx.service.addMessage(message(1, 42));
    await jest.advanceTimersByTimeAsync(1000);
    ctx.service.addUserActivity(activity(42, 1));
    open();
    ctx.writer.gate = null;
    await jest.advanceTimersByTimeAsync(1000);
    expect(ctx.writer.users.get(42)?.messageCount).toBe(1);
  });

  it('durable() waits for rows added before it, not for rows added after', async () => {
    ctx = setup({ size: 2 });
    await expect(ctx.service.durable()).resolves.toBeUndefined();
    ctx.writer.failNext.push(dbError('ECONNRESET'));
    ctx.service.addMessage(message(1));
    const durable = ctx.service.durable();
    ctx.service.addMessage(message(2)); // completes a chunk: written with the first
    ctx.service.addMessage(message(3));
    expect(await settledWithin(durable, 1)).toBe(false); // the first attempt failed
    expect(await settledWithin(durable, 500)).toBe(true);
    await expect(durable).resolves.toBeUndefined();
    expect(ctx.writer.storedIds()).toEqual([1, 2]); // 3 waits for the interval; durable did not
  });

  it('flushed() writes the rows it waits for at once, not at the interval, with the rest of the tick', async () => {
    ctx = setup({ size: 50, flushIntervalMs: 60_000 });
    ctx.service.addMessage(message(1));
    const first = ctx.service.flushed();
    ctx.service.addMessage(message(2));
    const second = ctx.service.flushed();
    expect(await settledWithin(Promise.all([first, second]), 1)).toBe(true);
    expect(ctx.writer.writes.map((w) => w.messages.map((m) => m.updateId))).toEqual([[1, 2]]);
  });

  it('flushed() during a flush: rows waited for meanwhile go together in the next one', async () => {
    ctx = setup({ size: 50, flushIntervalMs: 60_000 });
    let open!: () => void;
    ctx.writer.gate = new Promise((resolve) => (open = resolve));
    ctx.service.addMessage(message(1));
    const first = ctx.service.flushed();
    await jest.advanceTimersByTimeAsync(1);
    expect(ctx.writer.active).toBe(1);
    const waits = [2, 3, 4].map((id) => {
      ctx.service.addMessage(message(id));
      return ctx.service.flushed();
    });
    ctx.writer.gate = null;
    open();
    expect(await settledWithin(Promise.all([first, ...waits]), 1)).toBe(true);
    expect(ctx.writer.writes.map((w) => w.messages.map((m) => m.updateId))).toEqual([
      [1],
      [2, 3, 4],
    ]);
  });

  it('signals backpressure at the bound, keeps accepting rows, and releases when written', async () => {
    ctx = setup({ maxPending: 5 });
    let open!: () => void;
    ctx.writer.gate = new Promise((resolve) => (open = resolve));
    for (let id = 1; id <= 7; id++) ctx.service.addMessage(message(id));
    expect(ctx.service.full).toBe(true);
    const notFull = ctx.service.whenNotFull();
    expect(await settledWithin(notFull, 100)).toBe(false);
    expect(ctx.service.snapshot().pending.messages).toBe(7); // nothing dropped
    open();
    ctx.writer.gate = null;
    expect(await settledWithin(notFull, 1)).toBe(true);
    expect(ctx.service.full).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(ctx.writer.storedIds()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('drain() writes every pending row without waiting for the interval', async () => {
    ctx = setup({ flushIntervalMs: 60_000, size: 50 });
    for (let id = 1; id <= 120; id++) ctx.service.addMessage(message(id));
    ctx.writer.failNext.push(dbError('ECONNREFUSED'));
    const drained = ctx.service.drain(5000);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(drained).resolves.toEqual({ unwritten: 0 });
    expect(ctx.writer.storedIds()).toHaveLength(120);
  });

  it('drain() gives up at the deadline, reports unwritten rows and fails durable()', async () => {
    ctx = setup();
    for (let i = 0; i < 1000; i++) ctx.writer.failNext.push(dbError('ECONNREFUSED'));
    ctx.service.addMessage(message(1));
    ctx.service.addUserActivity(activity(1));
    const durable = ctx.service.durable();
    durable.catch(() => undefined);
    const drained = ctx.service.drain(3000);
    await jest.advanceTimersByTimeAsync(3100);
    await expect(drained).resolves.toEqual({ unwritten: 2 });
    await expect(durable).rejects.toThrow('not written');
  });

  it('stops retrying once the application has shut down, so no timer keeps the process alive', async () => {
    ctx = setup();
    for (let i = 0; i < 1000; i++) ctx.writer.failNext.push(dbError('ECONNREFUSED'));
    ctx.service.addMessage(message(1));
    const shutdown = ctx.service.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(10_100);
    await shutdown;
    const attempts = ctx.writer.writes.length;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(ctx.writer.writes).toHaveLength(attempts);
    expect(jest.getTimerCount()).toBe(0);
    // A later drain (the bot's coordinator) may still try again.
    ctx.writer.failNext.length = 0;
    await expect(ctx.service.drain(1000)).resolves.toEqual({ unwritten: 0 });
  });

  it('registers its metrics and reports them in snapshot()', async () => {
    ctx = setup();
    [1, 2, 3].forEach((id) => ctx.service.addMessage(message(id)));
    await jest.advanceTimersByTimeAsync(1);
    const text = await ctx.registry.metrics();
    for (const name of [
      'telegram_bot_batch_pending_rows{buffer="messages"} 0',
      'telegram_bot_batch_oldest_pending_age_seconds 0',
      'telegram_bot_batch_flushes_total 1',
      'telegram_bot_batch_rows_written_total{buffer="messages"} 3',
      'telegram_bot_batch_flush_failures_total 0',
      'telegram_bot_batch_retries_total 0',
      'telegram_bot_batch_dead_letters_total 0',
      'telegram_bot_batch_last_flush_timestamp_seconds',
      'telegram_bot_batch_flush_duration_seconds_count 1',
    ]) {
      expect(text).toContain(name);
    }
    expect(ctx.service.snapshot()).toMatchObject({
      size: 3,
      intervalMs: 1000,
      maxPending: 100,
      flushes: 1,
      rowsWritten: { messages: 3, users: 3 },
      lastFlushAt: expect.any(String),
      lastFlushDurationMs: expect.any(Number),
    });
  });

  it('falls back to the database when the journal cannot write, so updates still complete', async () => {
    const writer = new FakeBatchWriter();
    let diskFull = false;
    const journal = {
      open: () => Promise.resolve([]),
      append: () => undefined,
      sync: () =>
        diskFull ? Promise.reject(new Error('ENOSPC: no space left on device')) : Promise.resolve(),
      removeOrphans: () => Promise.resolve(),
      release: () => Promise.resolve(),
      close: () => Promise.resolve(),
    } as unknown as BatchJournal;
    const service = new BatchService(
      {
        size: 3,
        flushIntervalMs: 1000,
        maxPending: 100,
        journalDir: 'unused',
        journalFsync: 'always',
      },
      writer,
      new Registry(),
      journal,
    );
    ctx = { service, writer, registry: new Registry() };
    await service.onModuleInit();
    diskFull = true;
    service.addMessage(message(1));
    const durable = service.durable();
    expect(await settledWithin(durable, 10)).toBe(true);
    await expect(durable).resolves.toBeUndefined();
    expect([...writer.messages.keys()]).toEqual([1]);
  });
});
