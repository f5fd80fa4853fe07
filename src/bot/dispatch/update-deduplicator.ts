import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Update } from 'telegraf/types';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { telegramConfig, type TelegramConfig } from '../../config/app.config';
import { withDbRetry } from '../../database/db-retry';
import { redisKey } from '../../redis/redis-keys';
import { InjectRedis } from '../../redis/redis.module';
import { BotMetrics } from '../bot.metrics';

const RECENT_CAPACITY = 20_000;
// Telegram keeps an undelivered update for 24 h, so a claim never needs to outlive that.
const CLAIM_TTL_SEC = 24 * 60 * 60;
/**
 * After a week without updates Telegram picks the next update_id at random, so an id seen before
 * that silence may come again as a new update.
 */
const ID_REUSE_SILENCE_MS = 7 * 24 * 60 * 60 * 1000;

export interface FreshOptions {
  /**
   * Also drop message updates whose message is already stored (by chat and message id): how a
   * process without the intake journal learns what a crashed predecessor handled.
   */
  checkStored?: boolean;
  /**
   * The caller claims updates across replicas itself, once they are journaled (UpdateClaims):
   * no claim here, which would be taken before the update is durable.
   */
  claimedByCaller?: boolean;
}

/**
 * Drops updates already processed: recently finished ones (bounded in-memory set, forgotten after
 * a week of silence, when Telegram may reuse ids) and, on request for the first intake after a
 * start, messages already stored. In webhook mode with Redis and without the intake journal,
 * replicas claim each update_id atomically (SET NX, for a day), so a re-sent update lands on one
 * replica only (with the journal, UpdateLedger claims through UpdateClaims instead). The unique
 * `(chat_id, message_id)` of `messages` is the final guard against a second row.
 */
@Injectable()
export class UpdateDeduplicator {
  private readonly logger = new Logger(UpdateDeduplicator.name);
  private readonly recent = new Set<number>();
  private checkedStorage = false;
  private lastUpdateAt = Date.now();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis | null,
    @Inject(telegramConfig.KEY) private readonly config: TelegramConfig,
    private readonly metrics: BotMetrics,
  ) {}

  /** Returns the updates not seen before; `inFlight` tells which ids are being processed now. */
  async fresh(
    updates: Update[],
    inFlight: (id: number) => boolean,
    options: FreshOptions = {},
  ): Promise<Update[]> {
    if (updates.length === 0) return updates;
    const now = Date.now();
    if (now - this.lastUpdateAt > ID_REUSE_SILENCE_MS) this.recent.clear();
    this.lastUpdateAt = now;
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
    if (this.redis && this.config.mode === 'webhook' && !options.claimedByCaller)
      return this.claim(unseen);
    if (!options.checkStored || this.checkedStorage) return unseen;
    this.checkedStorage = true;
    const stored = await this.storedIds(unseen);
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

  /** The ids of the message updates whose message is stored already. */
  private async storedIds(updates: Update[]): Promise<Set<number>> {
    const messages = updates.flatMap((u) => {
      const message = (u as Partial<Update.MessageUpdate>).message;
      const chat = message?.chat?.id;
      const id = message?.message_id;
      return Number.isSafeInteger(chat) && Number.isSafeInteger(id)
        ? [{ id: u.update_id, chat: chat!, message: id! }]
        : [];
    });
    if (messages.length === 0) return new Set();
    try {
      const rows: { chat_id: string; message_id: string }[] = await withDbRetry(
        () =>
          this.dataSource.query(
            `SELECT chat_id, message_id FROM messages
             WHERE (chat_id, message_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))`,
            [messages.map((m) => m.chat), messages.map((m) => m.message)],
          ),
        { label: 'dedup lookup' },
      );
      const stored = new Set(rows.map((r) => `${r.chat_id}:${r.message_id}`));
      return new Set(messages.filter((m) => stored.has(`${m.chat}:${m.message}`)).map((m) => m.id));
    } catch (error) {
      // The unique key still prevents a second row; at worst a user gets a reply twice.
      this.logger.warn(`could not check stored updates: ${(error as Error).message}`);
      this.checkedStorage = false;
      return new Set();
    }
  }
}
