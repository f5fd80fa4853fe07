import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Update } from 'telegraf/types';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { BatchService } from '../../batch/batch.service';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { withDbRetry } from '../../database/db-retry';
import { redisKey } from '../../redis/redis-keys';
import { InjectRedis } from '../../redis/redis.module';
import { BotMetrics } from '../bot.metrics';

const RECENT_CAPACITY = 20_000;
// Telegram keeps an undelivered update for 24 h, so a claim never needs to outlive that.
const CLAIM_TTL_SEC = 24 * 60 * 60;

/**
 * Drops updates already processed: recently finished ones (bounded in-memory set) and, for the
 * first intake after a start, ones already stored by an earlier process (a crash after the write
 * but before the offset was confirmed), in the database or in the batch journal it left. In
 * webhook mode with Redis, replicas claim each update_id atomically (SET NX), so a re-sent update
 * lands on one replica only. The unique `update_id` in `messages` is the final guard.
 */
@Injectable()
export class UpdateDeduplicator {
  private readonly logger = new Logger(UpdateDeduplicator.name);
  private readonly recent = new Set<number>();
  private checkedStorage = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis | null,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    private readonly metrics: BotMetrics,
    private readonly batch: BatchService,
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
    if (unseen.length === 0) return unseen;
    if (this.redis && this.config.mode === 'webhook') return this.claim(unseen);
    if (this.checkedStorage) return unseen;
    this.checkedStorage = true;
    const stored = await this.storedIds(unseen.map((u) => u.update_id));
    for (const u of unseen)
      if (this.batch.recoveredUpdateIds.has(u.update_id)) stored.add(u.update_id);
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

  /** Claims each update across replicas; a Redis failure lets updates through (the unique key still holds). */
  private async claim(updates: Update[]): Promise<Update[]> {
    try {
      const pipeline = this.redis!.pipeline();
      for (const u of updates)
        pipeline.set(
          redisKey(this.config.botId, 'update', u.update_id),
          '1',
          'EX',
          CLAIM_TTL_SEC,
          'NX',
        );
      const results = (await pipeline.exec()) ?? [];
      // A command error (not a "taken" answer) lets the update through, like a Redis outage.
      const fresh = updates.filter((_, i) => results[i]?.[0] || results[i]?.[1] === 'OK');
      const taken = updates.length - fresh.length;
      if (taken) this.metrics.duplicates.inc({ reason: 'claimed' }, taken);
      return fresh;
    } catch (error) {
      this.logger.warn(`could not claim updates in Redis: ${(error as Error).message}`);
      return updates;
    }
  }

  private async storedIds(ids: number[]): Promise<Set<number>> {
    try {
      const rows: { update_id: string }[] = await withDbRetry(
        () =>
          this.dataSource.query(
            'SELECT update_id FROM messages WHERE update_id = ANY($1::bigint[])',
            [ids],
          ),
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
