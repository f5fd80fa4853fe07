import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import DataLoader from 'dataloader';
import { Repository } from 'typeorm';
import { BotCacheService } from '../cache/bot-cache.service';
import { withTimeout } from '../common/timeout';
import { withDbRetry } from '../database/db-retry';
import { UserEntity } from './user.entity';

/** Cached as an object so that "no choice" is cached too (BotCacheService skips nulls). */
interface CachedPreference {
  language: string | null;
}

const preferenceKey = (userId: number) => `user-lang:${userId}`;

/**
 * A read slower than this falls back to Telegram's language_code, so a slow database never delays
 * a reply (could become LANGUAGE_READ_TIMEOUT_MS).
 */
const READ_TIMEOUT_MS = 1000;

/** Upserts the choice alone: the batched user upsert (src/batch) never writes preferred_language. */
const STORE_SQL = `INSERT INTO users (id, first_seen_at, last_seen_at, message_count, preferred_language)
VALUES ($1, now(), now(), 0, $2)
ON CONFLICT (id) DO UPDATE SET preferred_language = EXCLUDED.preferred_language`;

/**
 * The language a user chose in the bot, written through (the next update must see it) and read
 * cache-aside. Reads that miss the cache in the same tick share one query (a burst of new users
 * costs one round trip, not one each).
 */
@Injectable()
export class LanguagePreferenceService {
  private readonly loader = new DataLoader<number, string | null>((ids) => this.loadMany(ids), {
    cache: false,
    maxBatchSize: 500,
  });

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly cache: BotCacheService,
  ) {}

  /** The stored choice (any string: the caller validates it), or null; rejects if the read fails. */
  async get(userId: number): Promise<string | null> {
    const cached = await this.cache.getOrLoad<CachedPreference>(
      preferenceKey(userId),
      async () => ({
        language: await withTimeout(this.loader.load(userId), READ_TIMEOUT_MS, 'language read'),
      }),
    );
    return cached?.language ?? null;
  }

  /** Stores `language` as the user's choice; a user without a row yet gets one. */
  async set(userId: number, language: string): Promise<void> {
    await withDbRetry(() => this.users.query(STORE_SQL, [userId, language]), {
      label: 'store language',
    });
    await this.cache.set<CachedPreference>(preferenceKey(userId), { language });
  }

  private async loadMany(ids: readonly number[]): Promise<(string | null)[]> {
    const rows: { id: string | number; preferred_language: string }[] = await this.users.query(
      'SELECT id, preferred_language FROM users WHERE id = ANY($1::bigint[]) AND preferred_language IS NOT NULL',
      [ids],
    );
    const byId = new Map(rows.map((row) => [Number(row.id), row.preferred_language]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
