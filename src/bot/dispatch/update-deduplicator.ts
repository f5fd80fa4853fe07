import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Update } from 'telegraf/types';
import { DataSource } from 'typeorm';
import { withDbRetry } from '../../database/db-retry';
import { BotMetrics } from '../bot.metrics';

const RECENT_CAPACITY = 20_000;

/**
 * Drops updates already processed: recently finished ones (bounded in-memory set) and, for the
 * first intake after a start, ones already stored by an earlier process (a crash after the write
 * but before the offset was confirmed). The unique `update_id` in `messages` is the final guard.
 */
@Injectable()
export class UpdateDeduplicator {
  private readonly logger = new Logger(UpdateDeduplicator.name);
  private readonly recent = new Set<number>();
  private checkedStorage = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: BotMetrics,
  ) {}

  /** Returns the updates not seen before; `inFlight` tells which ids are being processed now. */
  async fresh(updates: Update[], inFlight: (id: number) => boolean): Promise<Update[]> {
    const unseen = updates.filter((u) => {
      if (inFlight(u.update_id)) {
        this.metrics.duplicates.inc({ reason: 'in_flight' });
        return false;
      }
      if (this.recent.has(u.update_id)) {
        this.metrics.duplicates.inc({ reason: 'recent' });
        return false;
      }
      return true;
    });
    if (this.checkedStorage || unseen.length === 0) return unseen;
    this.checkedStorage = true;
    const stored = await this.storedIds(unseen.map((u) => u.update_id));
    for (const id of stored) this.markDone(id);
    if (stored.size) this.metrics.duplicates.inc({ reason: 'stored' }, stored.size);
    return unseen.filter((u) => !stored.has(u.update_id));
  }

  markDone(updateId: number): void {
    this.recent.add(updateId);
    if (this.recent.size > RECENT_CAPACITY) {
      // Sets iterate in insertion order: the first entry is the oldest.
      this.recent.delete(this.recent.values().next().value!);
    }
  }

  private async storedIds(ids: number[]): Promise<Set<number>> {
    try {
      const rows: { update_id: string }[] = await withDbRetry(
        () => this.dataSource.query('SELECT update_id FROM messages WHERE update_id = ANY($1::bigint[])', [ids]),
        { label: 'dedup lookup' },
      );
      return new Set(rows.map((r) => Number(r.update_id)));
    } catch (error) {
      // The unique key still prevents a second row; at worst a user gets a reply twice.
      this.logger.warn(`could not check stored updates: ${(error as Error).message}`);
      this.checkedStorage = false;
      return new Set();
    }
  }
}
