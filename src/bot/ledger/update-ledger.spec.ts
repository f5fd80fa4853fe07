import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { BatchService } from '../../batch/batch.service';
import type { TelegramConfig } from '../../config/app.config';
import { BotStatusService } from '../bot-status.service';
import { BotMetrics } from '../bot.metrics';
import type { FreshOptions, UpdateDeduplicator } from '../dispatch/update-deduplicator';
import type { UpdateDispatcher } from '../dispatch/update-dispatcher';
import type { IntakeJournal, JournalState } from './intake-journal';
import {
  ReplyOutcomeUnknownError,
  type EffectOutcome,
  type RecordedEffects,
} from './update-effects';
import type { UpdateClaims } from './update-claims';
import { UpdateLedger } from './update-ledger';

const update = (id: number): Update =>
  ({
    update_id: id,
    message: { message_id: id, date: 1, chat: { id: 7, type: 'private' }, text: `m${id}` },
  }) as Update;

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets every pending callback and promise run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The journal's contract, in memory: what was written, and switches to make writes slow or fail. */
class MemoryJournal {
  readonly lines: unknown[] = [];
  readonly finished: number[] = [];
  readonly held = new Set<number>();
  state: JournalState = { unfinished: [], highestId: -1, effects: new Map(), finished: new Set() };
  /** When set, sync() waits for it. */
  gate: Promise<void> | null = null;
  failSyncs = false;
  closedWithPending: boolean | null = null;
  damagedRecords = 0;

  open = () => Promise.resolve(this.state);
  append(updates: Update[]): void {
    this.lines.push({ updates: updates.map((u) => u.update_id) });
    updates.forEach((u) => this.held.add(u.update_id));
  }
  attempt(updateId: number, n: number): Promise<void> {
    this.lines.push({ attempt: [updateId, n] });
    this.held.add(updateId);
    return this.sync();
  }
  outcome(updateId: number, n: number, outcome: EffectOutcome): void {
    this.lines.push({ [outcome.kind]: [updateId, n] });
  }
  finish(updateId: number): void {
    if (this.held.delete(updateId)) this.finished.push(updateId);
  }
  holds = (updateId: number) => this.held.has(updateId);
  async sync(): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failSyncs) throw new Error('ENOSPC: no space left on device');
  }
  close(): Promise<void> {
    this.closedWithPending = this.held.size > 0;
    return Promise.resolve();
  }
}

/** A dispatcher whose updates finish when the test says so. */
class ManualDispatcher {
  readonly running = new Map<number, { done: () => void; telegram?: Telegram }>();
  /** Every update dispatched, in order, repeats included. */
  readonly dispatched: number[] = [];
  room = Promise.resolve();
  dispatch(u: Update, telegram?: Telegram): Promise<void> {
    this.dispatched.push(u.update_id);
    return new Promise((done) => this.running.set(u.update_id, { done, telegram }));
  }
  /** Like the real one: resolves when there is room, or when `signal` aborts. */
  whenRoom = (signal?: AbortSignal) =>
    Promise.race([
      this.room,
      new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve())),
    ]);
  finish(id: number): void {
    this.running.get(id)!.done();
    this.running.delete(id);
  }
}

describe('UpdateLedger', () => {
  let journal: MemoryJournal;
  let dispatcher: ManualDispatcher;
  let durable: ReturnType<typeof deferred> | null;
  let status: BotStatusService;
  let metrics: BotMetrics;
  let sent: { method: string; beforeSend?: () => Promise<void> }[];
  let telegramAnswer: () => Promise<unknown>;
  let buffersFull: boolean;
  /** The options of each call to the deduplicator. */
  let freshOptions: FreshOptions[];

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    journal = new MemoryJournal();
    dispatcher = new ManualDispatcher();
    durable = null;
    status = new BotStatusService();
    metrics = new BotMetrics(new Registry(), { dispatchConcurrency: 4 } as TelegramConfig);
    sent = [];
    telegramAnswer = () => Promise.resolve({ message_id: 1 });
    buffersFull = false;
    freshOptions = [];
  });

  const ledgerWith = (
    withJournal: boolean,
    mode: 'polling' | 'webhook' = 'polling',
    claims: UpdateClaims | null = null,
  ) => {
    const dedup = {
      fresh: (updates: Update[], inFlight: (id: number) => boolean, options: FreshOptions) => {
        freshOptions.push(options);
        return Promise.resolve(updates.filter((u) => !inFlight(u.update_id)));
      },
      markDone: () => undefined,
    };
    const batch = {
      durable: () => durable?.promise ?? Promise.resolve(),
      get full() {
        return buffersFull;
      },
      whenNotFull: () => new Promise<void>(() => undefined), // the database stays down
    };
    const telegram = {
      token: '1:x',
      options: {},
      callApi: async (
        method: string,
        _payload: unknown,
        options?: { beforeSend?: () => Promise<void> },
      ) => {
        await options?.beforeSend?.();
        sent.push({ method });
        return telegramAnswer();
      },
    };
    return new UpdateLedger(
      dedup as unknown as UpdateDeduplicator,
      dispatcher as unknown as UpdateDispatcher,
      batch as unknown as BatchService,
      metrics,
      status,
      telegram as unknown as Telegram,
      { mode } as TelegramConfig,
      withJournal ? (journal as unknown as IntakeJournal) : null,
      claims,
    );
  };

  describe('polling with the journal', () => {
    it('confirms past an update that finished before the next poll, writing no line for it', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(10)]);
      dispatcher.finish(10);
      await settle();
      await expect(ledger.confirmableOffset()).resolves.toBe(11);
      expect(journal.lines).toEqual([]);
    });

    it('journals the updates still running before the offset passes them', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(10), update(11)]);
      dispatcher.finish(10);
      await settle();
      journal.gate = new Promise(() => undefined); // the write never completes
      let offset: number | undefined;
      void ledger.confirmableOffset().then((o) => (offset = o));
      await settle();
      expect(journal.lines).toEqual([{ updates: [11] }]);
      expect(offset).toBeUndefined();
    });

    it('keeps a finished update’s lines until Telegram confirmed it', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(10)]);
      await ledger.confirmableOffset(); // journals 10
      dispatcher.finish(10);
      await settle();
      expect(journal.finished).toEqual([]);
      ledger.confirmed(11);
      expect(journal.finished).toEqual([10]);
    });

    it('after a journal write fails, confirms only finished updates', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(10), update(11)]);
      journal.failSyncs = true;
      await expect(ledger.confirmableOffset()).resolves.toBe(10);
      expect(ledger.journalsUpdates).toBe(false);
      dispatcher.finish(10);
      await settle();
      await expect(ledger.confirmableOffset()).resolves.toBe(11);
      await expect(metrics.journalFailures.get()).resolves.toMatchObject({
        values: [{ value: 1 }],
      });
    });

    it('at close journals what is still running, and the journal keeps it', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(10)]);
      await ledger.close();
      expect(journal.lines).toEqual([{ updates: [10] }]);
      expect(journal.closedWithPending).toBe(true);
    });
  });

  describe('polling without the journal', () => {
    it('confirms an update only once it is handled and its rows are durable', async () => {
      const ledger = ledgerWith(false);
      await ledger.start();
      durable = deferred();
      await ledger.receive([update(10), update(11)]);
      dispatcher.finish(11);
      await settle();
      await expect(ledger.confirmableOffset()).resolves.toBe(10);
      dispatcher.finish(10);
      await settle();
      await expect(ledger.confirmableOffset()).resolves.toBe(10); // rows not durable yet
      durable.resolve();
      await settle();
      await expect(ledger.confirmableOffset()).resolves.toBe(12);
    });
  });

  describe('webhook replicas sharing Redis', () => {
    const signal = () => new AbortController().signal;
    /** Claims that own the updates in `mine`, and note what the journal held durably when asked. */
    const claimsOwning = (mine: number[], synced: () => boolean) => {
      const asked: { ids: number[]; durable: boolean }[] = [];
      const claims = {
        claim: async (ids: number[]) => {
          asked.push({ ids, durable: synced() });
          return new Set(ids.filter((id) => mine.includes(id)));
        },
      };
      return { claims: claims as unknown as UpdateClaims, asked };
    };

    it('claims an update only once its line is durable, then runs it and answers 200', async () => {
      let synced = false;
      const { claims, asked } = claimsOwning([5], () => synced);
      const ledger = ledgerWith(true, 'webhook', claims);
      await ledger.start();
      const write = deferred();
      journal.gate = write.promise.then(() => void (synced = true));
      const answer = ledger.acceptWebhook(update(5), signal());
      await settle();
      expect(asked).toEqual([]);
      expect(dispatcher.running.has(5)).toBe(false);
      write.resolve();

      await expect(answer).resolves.toEqual({ accepted: true });
      expect(asked).toEqual([{ ids: [5], durable: true }]);
      expect(dispatcher.running.has(5)).toBe(true);
    });

    it('runs an update delivered twice at once only once, claiming it once', async () => {
      const { claims, asked } = claimsOwning([7], () => true);
      const ledger = ledgerWith(true, 'webhook', claims);
      await ledger.start();

      const answers = await Promise.all([
        ledger.acceptWebhook(update(7), signal()),
        ledger.acceptWebhook(update(7), signal()),
      ]);

      expect(answers).toEqual([{ accepted: true }, { accepted: true }]);
      expect(dispatcher.dispatched).toEqual([7]);
      expect(asked).toHaveLength(1);
    });

    it('leaves claims to the deduplicator once a journal write failed', async () => {
      const { claims, asked } = claimsOwning([9, 10], () => true);
      const ledger = ledgerWith(true, 'webhook', claims);
      await ledger.start();
      journal.failSyncs = true;

      const first = ledger.acceptWebhook(update(9), signal());
      await settle();
      dispatcher.finish(9);
      await expect(first).resolves.toEqual({ accepted: true });
      const second = ledger.acceptWebhook(update(10), signal());
      await settle();
      dispatcher.finish(10);
      await second;

      expect(asked).toEqual([]);
      expect(freshOptions.map((o) => o.claimedByCaller)).toEqual([true, false]);
    });

    it('answers 200 without running an update another replica claimed, and lets its line go', async () => {
      const { claims } = claimsOwning([], () => true);
      const ledger = ledgerWith(true, 'webhook', claims);
      await ledger.start();

      await expect(ledger.acceptWebhook(update(6), signal())).resolves.toEqual({ accepted: true });
      expect(dispatcher.running.has(6)).toBe(false);
      expect(journal.finished).toEqual([6]);
    });
  });

  describe('webhook', () => {
    const signal = () => new AbortController().signal;

    it('answers 200 only once the update’s line is durable, with the handler already running', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();
      const write = deferred();
      journal.gate = write.promise;
      let answer: unknown;
      void ledger.acceptWebhook(update(5), signal()).then((a) => (answer = a));
      await settle();
      expect(dispatcher.running.has(5)).toBe(true);
      expect(answer).toBeUndefined();
      write.resolve();
      await settle();
      expect(answer).toEqual({ accepted: true });
      expect(journal.lines).toEqual([{ updates: [5] }]);
    });

    it('runs an update delivered twice at once only once', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();

      await Promise.all([
        ledger.acceptWebhook(update(8), signal()),
        ledger.acceptWebhook(update(8), signal()),
      ]);

      expect(dispatcher.dispatched).toEqual([8]);
    });

    it('releases the lines of an update once it is both answered and finished', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();
      await ledger.acceptWebhook(update(5), signal());
      expect(journal.finished).toEqual([]);
      dispatcher.finish(5);
      await settle();
      expect(journal.finished).toEqual([5]);
    });

    it('without the journal, answers 200 once the update is finished, else 503 at the deadline', async () => {
      const ledger = ledgerWith(false, 'webhook');
      await ledger.start();
      const first = ledger.acceptWebhook(update(5), signal());
      await settle();
      dispatcher.finish(5);
      await expect(first).resolves.toEqual({ accepted: true });

      const deadline = new AbortController();
      const second = ledger.acceptWebhook(update(6), deadline.signal);
      await settle();
      deadline.abort();
      await expect(second).resolves.toMatchObject({ accepted: false, status: 503 });
    });

    it('when the journal fails, waits for the update to finish instead', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();
      journal.failSyncs = true;
      let answer: unknown;
      void ledger.acceptWebhook(update(5), signal()).then((a) => (answer = a));
      await settle();
      expect(answer).toBeUndefined();
      dispatcher.finish(5);
      await settle();
      expect(answer).toEqual({ accepted: true });
    });

    it('answers 429 when the write buffers stay full past the deadline (database down)', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();
      buffersFull = true;
      const deadline = new AbortController();
      const answer = ledger.acceptWebhook(update(5), deadline.signal);
      await settle();
      deadline.abort();
      await expect(answer).resolves.toMatchObject({ accepted: false, status: 429 });
      expect(dispatcher.running.size).toBe(0);
    });

    it('refuses with 503 while draining and 429 when no room frees up in time', async () => {
      const ledger = ledgerWith(true, 'webhook');
      await ledger.start();
      dispatcher.room = new Promise(() => undefined);
      const deadline = new AbortController();
      const busy = ledger.acceptWebhook(update(5), deadline.signal);
      deadline.abort();
      await expect(busy).resolves.toMatchObject({ accepted: false, status: 429, retryAfterSec: 1 });
      dispatcher.room = Promise.resolve();
      status.draining = true;
      await expect(ledger.acceptWebhook(update(6), signal())).resolves.toMatchObject({
        accepted: false,
        status: 503,
      });
      expect(dispatcher.running.size).toBe(0);
    });
  });

  describe('start after a crash', () => {
    const effects = (entries: [number, EffectOutcome][]): RecordedEffects => new Map(entries);

    it('runs unfinished updates again, answering effects already attempted from the record', async () => {
      journal.state.unfinished = [update(20)];
      journal.state.highestId = 20;
      journal.state.effects.set(
        20,
        effects([
          [0, { kind: 'sent', result: { message_id: 99 } }],
          [1, { kind: 'attempted' }],
        ]),
      );
      const ledger = ledgerWith(true);
      await ledger.start();
      const { telegram } = dispatcher.running.get(20)!;
      await expect(telegram!.sendMessage(7, 'first')).resolves.toEqual({ message_id: 99 });
      await expect(telegram!.sendMessage(7, 'second')).rejects.toBeInstanceOf(
        ReplyOutcomeUnknownError,
      );
      await expect(telegram!.sendMessage(7, 'third')).resolves.toEqual({ message_id: 1 });
      expect(sent.map((s) => s.method)).toEqual(['sendMessage']);
      await expect(ledger.confirmableOffset()).resolves.toBe(21);
      await expect(metrics.effectsInDoubt.get()).resolves.toMatchObject({
        values: [{ value: 1 }],
      });
    });

    it('records an effect as attempted before it is sent and its answer after', async () => {
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(30)]);
      const { telegram } = dispatcher.running.get(30)!;
      await telegram!.sendMessage(7, 'hello');
      telegramAnswer = () => Promise.reject(new Error('socket hang up'));
      await expect(telegram!.sendMessage(7, 'lost')).rejects.toThrow('socket hang up');
      expect(journal.lines).toEqual([
        { attempt: [30, 0] },
        { sent: [30, 0] },
        { attempt: [30, 1] }, // no answer: in doubt, never sent again
      ]);
    });

    it('drops an update a predecessor finished when Telegram sends it again', async () => {
      journal.state.finished = new Set([40]);
      const ledger = ledgerWith(true);
      await ledger.start();
      await expect(ledger.receive([update(40), update(41)])).resolves.toBe(1);
      expect([...dispatcher.running.keys()]).toEqual([41]);
    });

    it('gives a predecessor’s record to an update Telegram sends again, and forgets it once confirmed', async () => {
      journal.state.effects.set(50, effects([[0, { kind: 'sent', result: true }]]));
      journal.held.add(50);
      const ledger = ledgerWith(true);
      await ledger.start();
      await ledger.receive([update(50)]);
      await expect(dispatcher.running.get(50)!.telegram!.sendMessage(7, 'x')).resolves.toBe(true);
      expect(sent).toEqual([]);
      dispatcher.finish(50);
      await settle();
      ledger.confirmed(51);
      expect(journal.finished).toEqual([50]);
    });
  });
});
