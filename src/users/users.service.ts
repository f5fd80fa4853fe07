import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { User } from 'telegraf/types';
import { Repository } from 'typeorm';
import { InjectBatchQueue } from '../batch/batch.module';
import { BatchService } from '../batch/batch.service';
import type { BatchQueue } from '../batch/batch.table';
import { BotCacheService } from '../cache/bot-cache.service';
import { withDbRetry } from '../database/db-retry';
import { UserEntity } from './user.entity';
import { profileKey, type UserProfile } from './user-profile';
import { type UserRow, usersTable } from './users.table';

const NAME_LIMIT = 256;
const clip = (value?: string) => (value === undefined ? null : value.slice(0, NAME_LIMIT));

/**
 * Users: writes go through the write buffer; the cached profile is updated on every write, so a
 * known user's message costs no database read and /me never shows a stale count.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly batch: BatchService,
    private readonly cache: BotCacheService,
    @InjectBatchQueue(usersTable) private readonly rows: BatchQueue<UserRow>,
  ) {}

  /**
   * Records that `from` sent `messages` messages at `at`. The stored count grows by the messages
   * stored through MessagesService (see usersTable); `messages` updates the cached profile.
   */
  async recordActivity(from: User, at: Date, messages = 1): Promise<void> {
    this.rows.add({
      id: from.id,
      username: clip(from.username),
      firstName: clip(from.first_name),
      lastName: clip(from.last_name),
      languageCode: from.language_code?.slice(0, 16) ?? null,
      firstSeenAt: at,
      lastSeenAt: at,
    });
    // Only a profile already cached is updated; an uncached one is loaded (after a flush) by /me.
    const cached = await this.cache.get<UserProfile>(profileKey(from.id));
    if (cached) {
      await this.cache.set<UserProfile>(profileKey(from.id), {
        ...cached,
        username: clip(from.username),
        firstName: clip(from.first_name),
        lastSeenAt: Math.max(cached.lastSeenAt, at.getTime()),
        messageCount: cached.messageCount + messages,
      });
    }
  }

  /** The profile from cache, or from the database once this user's buffered writes are durable. */
  async profile(userId: number): Promise<UserProfile | null> {
    return this.cache.getOrLoad(profileKey(userId), async () => {
      await this.batch.flushed();
      const row = await withDbRetry(() => this.users.findOneBy({ id: userId }), {
        label: 'load profile',
      });
      return row ? toProfile(row) : null;
    });
  }
}

function toProfile(row: UserEntity): UserProfile {
  return {
    id: row.id,
    username: row.username,
    firstName: row.firstName,
    firstSeenAt: row.firstSeenAt.getTime(),
    lastSeenAt: row.lastSeenAt.getTime(),
    messageCount: row.messageCount,
  };
}
