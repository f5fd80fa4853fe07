import { Logger } from '@nestjs/common';
import type { Update } from 'telegraf/types';
import { AppendJournal, type JournalCodec, type JournalFsync } from '../../journal/append-journal';

/** One journal line: a page of updates as received, or the ids of updates finished since. */
type IntakeRecord = { updates: Update[] } | { done: number[] };

const codec: JournalCodec<IntakeRecord> = {
  encode: (record) => JSON.stringify(record),
  decode: (line) => JSON.parse(line) as IntakeRecord,
};

/** Past this size, the current file is emptied when nothing is pending (closed files go once done). */
const RELEASE_BYTES = 1024 * 1024;

/**
 * Polled updates still running when the next poll is due, journaled (see JournalFsync) before
 * that poll confirms their offset to Telegram. Confirming only finished updates (without a journal) keeps at most one page
 * of updates in play past the oldest unfinished one, lets one slow update stall intake, and
 * re-fetches the updates still running with every poll.
 *
 * Updates still unfinished when a process dies are run again by the next start; finished ones are
 * marked by `done` lines, written with the next sync. An update finished but not yet marked is
 * run again too, and de-duplication drops it if it stored a message (as when Telegram re-sends an
 * unconfirmed update).
 */
export class IntakeJournal {
  private readonly logger = new Logger(IntakeJournal.name);
  private readonly log: AppendJournal<IntakeRecord>;
  /** Unfinished updates → sequence number of their line; a Map keeps journal order, oldest first. */
  private readonly pending = new Map<number, number>();
  private done: number[] = [];
  private seq = 0;

  constructor(dir: string, fsync?: JournalFsync) {
    this.log = new AppendJournal(dir, 'intake', codec, fsync);
  }

  /**
   * Opens this process's file. Returns the updates crashed predecessors received but did not
   * finish, oldest first, and the highest update_id they received (-1 if none).
   */
  async open(): Promise<{ unfinished: Update[]; highestId: number }> {
    const records = await this.log.open();
    const done = new Set<number>();
    for (const record of records) if ('done' in record) record.done.forEach((id) => done.add(id));
    const unfinished = new Map<number, Update>();
    let highestId = -1;
    for (const record of records) {
      if (!('updates' in record)) continue;
      for (const update of record.updates) {
        highestId = Math.max(highestId, update.update_id);
        if (!done.has(update.update_id)) unfinished.set(update.update_id, update);
      }
    }
    return {
      unfinished: [...unfinished.values()].sort((a, b) => a.update_id - b.update_id),
      highestId,
    };
  }

  /** Deletes the predecessors' files, once their unfinished updates are journaled again here. */
  removeOrphans(): Promise<void> {
    return this.log.removeOrphans();
  }

  /** Adds a page of updates; sync() writes it. */
  append(updates: Update[]): void {
    if (updates.length === 0) return;
    const seq = ++this.seq;
    this.log.append({ updates }, seq);
    for (const update of updates) this.pending.set(update.update_id, seq);
  }

  finish(updateId: number): void {
    if (this.pending.delete(updateId)) this.done.push(updateId);
  }

  /** Resolves once every page appended so far is durable (finished updates are marked on the way). */
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

  private appendDone(): void {
    if (this.done.length === 0) return;
    this.log.append({ done: this.done }, ++this.seq);
    this.done = [];
  }
}
