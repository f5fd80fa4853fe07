import { Injectable, Logger } from '@nestjs/common';
import type { Update } from 'telegraf/types';
import { BatchService } from '../../batch/batch.service';
import { BotMetrics } from '../bot.metrics';
import { OffsetTracker } from '../dispatch/offset-tracker';
import { UpdateDeduplicator } from '../dispatch/update-deduplicator';
import { UpdateDispatcher } from '../dispatch/update-dispatcher';

/**
 * The one path every update takes, from polling or webhook: de-duplication, dispatch, and
 * completion only once what the handler wrote is durable, which is when its offset may be confirmed.
 */
@Injectable()
export class UpdateIntake {
  private readonly logger = new Logger(UpdateIntake.name);
  readonly tracker = new OffsetTracker();

  constructor(
    private readonly dedup: UpdateDeduplicator,
    private readonly dispatcher: UpdateDispatcher,
    private readonly batch: BatchService,
    private readonly metrics: BotMetrics,
  ) {}

  /** Accepts a batch of updates; returns how many were new. Processing continues in the background. */
  async accept(updates: Update[]): Promise<number> {
    this.metrics.updatesReceived.inc(updates.length);
    const fresh = await this.dedup.fresh(updates, (id) => this.tracker.isUnfinished(id));
    const freshIds = new Set(fresh.map((u) => u.update_id));
    for (const u of updates) if (!freshIds.has(u.update_id)) this.tracker.skip(u.update_id);
    for (const update of fresh) {
      this.tracker.accept(update.update_id);
      this.process(update).catch((error: unknown) =>
        this.logger.error(
          `update ${update.update_id} could not complete: ${(error as Error).message}`,
        ),
      );
    }
    return fresh.length;
  }

  /** Room for more updates: dispatcher and write buffers both below their bounds. */
  async whenRoom(signal?: AbortSignal): Promise<void> {
    await this.dispatcher.whenRoom(signal);
    if (this.batch.full && !signal?.aborted) await this.batch.whenNotFull();
  }

  private async process(update: Update): Promise<void> {
    await this.dispatcher.dispatch(update);
    await this.batch.durable();
    this.dedup.markDone(update.update_id);
    this.tracker.finish(update.update_id);
  }
}
