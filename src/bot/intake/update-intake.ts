import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Update } from 'telegraf/types';
import { BatchService } from '../../batch/batch.service';
import { BotMetrics } from '../bot.metrics';
import { OffsetTracker } from '../dispatch/offset-tracker';
import { UpdateDeduplicator } from '../dispatch/update-deduplicator';
import { UpdateDispatcher } from '../dispatch/update-dispatcher';
import { IntakeJournal } from './intake-journal';

/**
 * The one path every update takes, from polling or webhook: de-duplication, dispatch, and
 * completion only once what the handler wrote is durable. With the intake journal (polling), an
 * update's offset may be confirmed once it is journaled; without, once it is complete.
 */
@Injectable()
export class UpdateIntake {
  private readonly logger = new Logger(UpdateIntake.name);
  readonly tracker = new OffsetTracker();
  /** False without a journal, and after a journal write failed (for the rest of this run). */
  private journaling: boolean;
  /** Accepted, unfinished and not journaled yet: most updates finish before they need to be. */
  private readonly unjournaled = new Map<number, Update>();

  constructor(
    private readonly dedup: UpdateDeduplicator,
    private readonly dispatcher: UpdateDispatcher,
    private readonly batch: BatchService,
    private readonly metrics: BotMetrics,
    // Absent in webhook mode and with BATCH_JOURNAL=false.
    @Optional() @Inject(IntakeJournal) private readonly journal: IntakeJournal | null = null,
  ) {
    this.journaling = journal !== null;
  }

  /** Updates received and journaled may be confirmed before they finish. */
  get confirmsOnReceipt(): boolean {
    return this.journaling;
  }

  /**
   * The offset the next getUpdates may confirm: below the oldest update neither finished nor
   * journaled (past every update received, once journaled() has run).
   */
  get confirmableOffset(): number {
    if (!this.journaling) return this.tracker.offset;
    let oldest = this.tracker.next;
    for (const id of this.unjournaled.keys()) if (id < oldest) oldest = id;
    return oldest;
  }

  /**
   * Opens the intake journal and runs again what a crashed predecessor received but did not
   * finish. Call before the first poll.
   */
  async replayJournal(): Promise<void> {
    if (!this.journal) return;
    const { unfinished, highestId } = await this.journal.open();
    // Every update the predecessor journaled is either finished or replayed here.
    if (highestId >= 0) this.tracker.skip(highestId);
    if (unfinished.length) {
      this.logger.warn(`Replaying ${unfinished.length} update(s) an earlier run did not finish`);
      await this.accept(unfinished);
    }
    if (await this.journaled()) await this.journal.removeOrphans();
  }

  /**
   * Journals the updates accepted and still unfinished, and waits until they are durable (see
   * JournalFsync). False when they are not (no journal, or a write failed): then only finished
   * updates may be confirmed, from now on.
   */
  async journaled(): Promise<boolean> {
    if (!this.journaling) return false;
    if (this.unjournaled.size > 0) {
      this.journal!.append([...this.unjournaled.values()]);
      this.unjournaled.clear();
    }
    try {
      await this.journal!.sync();
      return true;
    } catch (error) {
      this.journaling = false;
      this.unjournaled.clear();
      this.logger.error(
        `intake journal write failed (${(error as Error).message}); confirming only finished updates from now on`,
      );
      return false;
    }
  }

  /** After the drain: the journal keeps its file for the next start only if updates are unfinished. */
  async closeJournal(): Promise<void> {
    await this.journal
      ?.close()
      .catch((error: Error) => this.logger.warn(`intake journal close failed: ${error.message}`));
  }

  /** Accepts a batch of updates; returns how many were new. Processing continues in the background. */
  async accept(updates: Update[]): Promise<number> {
    this.metrics.updatesReceived.inc(updates.length);
    const fresh = await this.dedup.fresh(updates, (id) => this.tracker.isUnfinished(id));
    const freshIds = new Set(fresh.map((u) => u.update_id));
    for (const u of updates) if (!freshIds.has(u.update_id)) this.tracker.skip(u.update_id);
    for (const update of fresh) {
      this.tracker.accept(update.update_id);
      if (this.journaling) this.unjournaled.set(update.update_id, update);
      this.process(update).catch((error: unknown) =>
        this.logger.error(
          `update ${update.update_id} could not complete: ${(error as Error).message}`,
        ),
      );
    }
    return fresh.length;
  }

  /** Room for `count` more updates in the dispatcher, and write buffers below their bound. */
  async whenRoom(signal?: AbortSignal, count = 1): Promise<void> {
    await this.dispatcher.whenRoom(signal, count);
    if (this.batch.full && !signal?.aborted) await this.batch.whenNotFull();
  }

  private async process(update: Update): Promise<void> {
    await this.dispatcher.dispatch(update);
    await this.batch.durable();
    this.dedup.markDone(update.update_id);
    this.tracker.finish(update.update_id);
    if (this.journaling && !this.unjournaled.delete(update.update_id))
      this.journal!.finish(update.update_id);
  }
}
