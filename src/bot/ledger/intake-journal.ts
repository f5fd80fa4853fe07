import { Logger } from '@nestjs/common';
import type { Update } from 'telegraf/types';
import {
  AppendJournal,
  type AppendJournalOptions,
  type JournalCodec,
  type JournalFsync,
} from '../../journal/append-journal';
import type { EffectOutcome, RecordedEffects } from './update-effects';

/**
 * One journal line. `updates`: a page of updates as received. `attempt`: the n-th effect (a message
 * sent, edited or deleted) of an update is about to reach Telegram. `sent` / `failed`: Telegram's
 * answer to it. `done`: updates finished since the last line.
 */
type IntakeRecord =
  | { updates: Update[] }
  | { attempt: [updateId: number, n: number] }
  | { sent: [updateId: number, n: number, result: unknown] }
  | { failed: [updateId: number, n: number, code: number, description: string] }
  | { done: number[] };

const codec: JournalCodec<IntakeRecord> = {
  encode: (record) => JSON.stringify(record),
  decode: (line) => JSON.parse(line) as IntakeRecord,
};

/** Past this size, the current file is emptied when nothing is pending (closed files go once done). */
const RELEASE_BYTES = 1024 * 1024;

/** What crashed predecessors left: see IntakeJournal.open(). */
export interface JournalState {
  /** Updates received and not finished, oldest first: to be run again. */
  unfinished: Update[];
  /** The highest update_id received (-1 if none): every one up to it was confirmable. */
  highestId: number;
  /** What the unfinished updates (and unconfirmed ones Telegram will send again) already did. */
  effects: Map<number, RecordedEffects>;
  /** Updates marked finished: if Telegram sends one again, it is a duplicate. */
  finished: Set<number>;
}

/**
 * The update ledger's write-ahead journal (see UpdateLedger): updates received but not finished,
 * and the outbox of their effects. Durable means what JournalFsync says.
 *
 * An update's lines stay until it is finished; a file is emptied or deleted once nothing in it is
 * pending. At open, what crashed predecessors left is carried into this process's file before
 * theirs are deleted, so a second crash loses nothing either.
 */
export class IntakeJournal {
  private readonly logger = new Logger(IntakeJournal.name);
  private readonly log: AppendJournal<IntakeRecord>;
  /** Updates with lines in the journal → sequence number of their first line (journal order). */
  private readonly pending = new Map<number, number>();
  private done: number[] = [];
  private seq = 0;
  /** A write is due: records were appended that nobody waits for (sent, failed, done). */
  private kickQueued = false;

  constructor(dir: string, fsync?: JournalFsync, options?: AppendJournalOptions) {
    this.log = new AppendJournal(dir, 'intake', codec, fsync, options);
  }

  /** Records found damaged (torn or unreadable) in predecessors' files at open. */
  get damagedRecords(): number {
    return this.log.damagedRecords;
  }

  /** Opens this process's file and returns, carried over into it, what predecessors left. */
  async open(): Promise<JournalState> {
    const state = fold(await this.log.open());
    if (state.unfinished.length) this.append(state.unfinished);
    for (const [updateId, effects] of state.effects) {
      for (const [n, outcome] of effects) this.appendOutcome(updateId, n, outcome);
    }
    await this.sync();
    await this.log.removeOrphans();
    return state;
  }

  /** Adds a page of updates; sync() writes it. */
  append(updates: Update[]): void {
    if (updates.length === 0) return;
    const seq = this.next({ updates });
    for (const update of updates) this.track(update.update_id, seq);
  }

  /** Records that effect `n` of an update is about to be sent; resolves once that is durable. */
  attempt(updateId: number, n: number): Promise<void> {
    this.track(updateId, this.next({ attempt: [updateId, n] }));
    return this.sync();
  }

  /** Records Telegram's answer to effect `n` (written with the next write, which this schedules). */
  outcome(updateId: number, n: number, outcome: EffectOutcome): void {
    this.appendOutcome(updateId, n, outcome);
    this.kick();
  }

  /** The update is finished: its lines are no longer needed once the mark is written. */
  finish(updateId: number): void {
    if (!this.pending.delete(updateId)) return;
    this.done.push(updateId);
    this.kick();
  }

  /** Whether the update has lines in the journal (received or with effects) and is not finished. */
  holds(updateId: number): boolean {
    return this.pending.has(updateId);
  }

  /** Resolves once every line appended so far is durable (finished updates are marked on the way). */
  async sync(): Promise<void> {
    this.appendDone();
    await this.log.sync();
    if (this.log.currentBytes >= RELEASE_BYTES) {
      const oldest = this.pending.values().next();
      await this.log
        .release(oldest.done ? Infinity : oldest.value, this.pending.size === 0)
        .catch((error: Error) =>
          this.logger.warn(`intake journal cleanup failed: ${error.message}`),
        );
    }
  }

  /** Closes the journal; its files stay for the next start only if updates are unfinished. */
  async close(): Promise<void> {
    this.appendDone();
    await this.log.close(this.pending.size === 0);
  }

  private appendOutcome(updateId: number, n: number, outcome: EffectOutcome): void {
    const seq =
      outcome.kind === 'attempted'
        ? this.next({ attempt: [updateId, n] })
        : outcome.kind === 'sent'
          ? this.next({ sent: [updateId, n, outcome.result] })
          : this.next({ failed: [updateId, n, outcome.code, outcome.description] });
    this.track(updateId, seq);
  }

  private track(updateId: number, seq: number): void {
    if (!this.pending.has(updateId)) this.pending.set(updateId, seq);
  }

  private next(record: IntakeRecord): number {
    const seq = ++this.seq;
    this.log.append(record, seq);
    return seq;
  }

  private appendDone(): void {
    if (this.done.length === 0) return;
    this.next({ done: this.done });
    this.done = [];
  }

  /** One write soon for records nobody awaits; failures surface at the next awaited sync. */
  private kick(): void {
    if (this.kickQueued) return;
    this.kickQueued = true;
    setImmediate(() => {
      this.kickQueued = false;
      this.sync().catch(() => undefined);
    });
  }
}

/** Replays the records in order into what they mean now. */
function fold(records: IntakeRecord[]): JournalState {
  const finished = new Set<number>();
  for (const record of records) if ('done' in record) record.done.forEach((id) => finished.add(id));
  const received = new Map<number, Update>();
  const effects = new Map<number, RecordedEffects>();
  const effectsOf = (updateId: number) => {
    let map = effects.get(updateId);
    if (!map) effects.set(updateId, (map = new Map()));
    return map;
  };
  let highestId = -1;
  for (const record of records) {
    if ('updates' in record) {
      for (const update of record.updates) {
        highestId = Math.max(highestId, update.update_id);
        if (!finished.has(update.update_id)) received.set(update.update_id, update);
      }
    } else if ('attempt' in record) {
      const [updateId, n] = record.attempt;
      const map = finished.has(updateId) ? undefined : effectsOf(updateId);
      if (map && !map.has(n)) map.set(n, { kind: 'attempted' });
    } else if ('sent' in record) {
      const [updateId, n, result] = record.sent;
      if (!finished.has(updateId)) effectsOf(updateId).set(n, { kind: 'sent', result });
    } else if ('failed' in record) {
      const [updateId, n, code, description] = record.failed;
      if (!finished.has(updateId))
        effectsOf(updateId).set(n, { kind: 'failed', code, description });
    }
  }
  return {
    unfinished: [...received.values()].sort((a, b) => a.update_id - b.update_id),
    highestId,
    effects,
    finished,
  };
}
